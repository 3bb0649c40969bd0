/// A parsed data spec string, as given on the command line.
///
///     fashion-mnist:train | fashion-mnist:test            full set if installed, else the embedded subset
///     fashion-mnist-full:train | fashion-mnist-full:test  full set, or an error with the install command
///     csv:PATH                                            numeric columns + integer label column
///     npy:FEATURES.npy,LABELS.npy                         NumPy arrays (N×… features, N labels)
///     idx:IMAGES,LABELS                                   IDX files, gzip or raw
public enum DataSpec: Equatable, Sendable, CustomStringConvertible {
    public enum Split: String, Sendable, CaseIterable {
        case train, test
    }

    case fashionMNIST(Split, requireFullSet: Bool)
    case csv(path: String)
    case numpy(features: String, labels: String)
    case idx(images: String, labels: String)

    static let usage = "fashion-mnist:train|test, fashion-mnist-full:train|test, csv:PATH, npy:FEATURES.npy,LABELS.npy or idx:IMAGES,LABELS"

    /// Parses `spec`; errors list the accepted forms.
    public init(parsing spec: String) throws(DataError) {
        guard let colon = spec.firstIndex(of: ":") else {
            throw DataError(.invalidSpec, file: spec, "data spec needs a 'kind:' prefix; expected \(Self.usage)")
        }
        let kind = String(spec[..<colon]).lowercased()
        let argument = String(spec[spec.index(after: colon)...])
        func pair(_ what: String) throws(DataError) -> (String, String) {
            let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw DataError(.invalidSpec, file: spec, "expected \(kind):\(what) (two paths separated by one comma)")
            }
            return (parts[0], parts[1])
        }
        switch kind {
        case "fashion-mnist", "fashion-mnist-full":
            guard let split = Split(rawValue: argument.lowercased()) else {
                throw DataError(.invalidSpec, file: spec, "unknown split '\(argument)'; expected \(kind):train or \(kind):test")
            }
            self = .fashionMNIST(split, requireFullSet: kind == "fashion-mnist-full")
        case "csv":
            guard !argument.isEmpty else { throw DataError(.invalidSpec, file: spec, "expected csv:PATH") }
            self = .csv(path: argument)
        case "npy":
            let (features, labels) = try pair("FEATURES.npy,LABELS.npy")
            self = .numpy(features: features, labels: labels)
        case "idx":
            let (images, labels) = try pair("IMAGES,LABELS")
            self = .idx(images: images, labels: labels)
        default:
            throw DataError(.invalidSpec, file: spec, "unknown data kind '\(kind)'; expected \(Self.usage)")
        }
    }

    public var description: String {
        switch self {
        case .fashionMNIST(let split, let full): "fashion-mnist\(full ? "-full" : ""):\(split.rawValue)"
        case .csv(let path): "csv:\(path)"
        case .numpy(let features, let labels): "npy:\(features),\(labels)"
        case .idx(let images, let labels): "idx:\(images),\(labels)"
        }
    }
}
