import Foundation

/// Facts about Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017) and where its files live.
public enum FashionMNIST {
    /// Class names by label.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    public static let classCount = 10
    /// Item shape of the images (NHWC without the batch).
    public static let itemShape = [28, 28, 1]
    /// Where the Debian package `dataset-fashion-mnist` installs the files.
    public static let systemDirectory = "/usr/share/datasets/fashion-mnist"
    public static let installCommand = "sudo apt-get install dataset-fashion-mnist"
    /// The environment variable naming a directory with the four (gzip) IDX files.
    public static let directoryVariable = "MINNOW_DATA_DIR"

    /// Number of images in the full split.
    public static func fullCount(_ split: DataSpec.Split) -> Int {
        split == .train ? 60_000 : 10_000
    }

    /// The IDX base names (without `.gz`) of a split's images and labels.
    public static func fileNames(_ split: DataSpec.Split) -> (images: String, labels: String) {
        let prefix = split == .train ? "train" : "t10k"
        return ("\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte")
    }

    /// The directory of the embedded subset (a SwiftPM resource of MinnowData), or `nil` if
    /// the resource bundle cannot be found.
    ///
    /// SwiftPM's `Bundle.module` calls `fatalError` when its bundle is neither next to the
    /// executable nor in the original build folder (e.g. a copied `minnow` binary), so it is
    /// only consulted when the bundle is known to be next to the executable; otherwise the
    /// resource folder of the source checkout is used if it still exists.
    public static var embeddedDirectory: String? {
        let besideExecutable = Bundle.main.bundleURL.appendingPathComponent("Minnow_MinnowData.resources").path
        if FileManager.default.fileExists(atPath: besideExecutable) {
            return Bundle.module.url(forResource: "fashion-mnist-subset", withExtension: nil)?.path
        }
        let sourceTree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Resources/fashion-mnist-subset").path
        return FileManager.default.fileExists(atPath: sourceTree) ? sourceTree : nil
    }
}
