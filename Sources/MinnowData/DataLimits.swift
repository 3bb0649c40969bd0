import Foundation

/// How much memory and work a data file may claim, checked before anything is allocated.
///
/// Counts and sizes read from a file are overflow-checked and compared with these limits, so a
/// small hostile file gets a typed `DataError` instead of a crash or a memory blow-up. The
/// defaults admit every real dataset (Fashion-MNIST's gzip files expand about 2×, MNIST's 5×);
/// raise them through this API or, on the command line, with the environment variables below.
public struct DataLimits: Sendable, Equatable {
    /// A gzip file may decompress to at most `maximumExpansion` × its compressed size
    /// (or `minimumInflateAllowance`, whichever is larger). Environment: `MINNOW_MAX_EXPANSION`.
    public var maximumExpansion: Int
    /// Every gzip file may decompress to at least this many bytes, however small it is.
    public var minimumInflateAllowance: Int
    /// The most feature values one dataset may hold (4 bytes each in memory).
    /// Environment: `MINNOW_MAX_VALUES`.
    public var maximumValues: Int

    /// The environment variable that raises `maximumExpansion`.
    public static let expansionVariable = "MINNOW_MAX_EXPANSION"
    /// The environment variable that raises `maximumValues`.
    public static let valuesVariable = "MINNOW_MAX_VALUES"

    public init(maximumExpansion: Int = 64, minimumInflateAllowance: Int = 64 << 20, maximumValues: Int = 1 << 31) {
        self.maximumExpansion = maximumExpansion
        self.minimumInflateAllowance = minimumInflateAllowance
        self.maximumValues = maximumValues
    }

    /// The defaults, with `MINNOW_MAX_EXPANSION` and `MINNOW_MAX_VALUES` applied when they hold
    /// positive whole numbers.
    public static var fromEnvironment: DataLimits {
        let environment = ProcessInfo.processInfo.environment
        var limits = DataLimits()
        if let text = environment[expansionVariable], let value = Int(text), value > 0 { limits.maximumExpansion = value }
        if let text = environment[valuesVariable], let value = Int(text), value > 0 { limits.maximumValues = value }
        return limits
    }

    /// The most bytes a gzip file of `compressedBytes` bytes may decompress to.
    public func inflateAllowance(forCompressedBytes compressedBytes: Int) -> Int {
        let (scaled, overflow) = compressedBytes.multipliedReportingOverflow(by: max(1, maximumExpansion))
        return max(minimumInflateAllowance, overflow ? Int.max : scaled)
    }

    /// What to say when a gzip file would exceed its allowance.
    func expansionAdvice(compressedBytes: Int) -> String {
        "a \(groupedDigits(compressedBytes))-byte gzip file may expand to at most \(groupedDigits(inflateAllowance(forCompressedBytes: compressedBytes))) bytes (\(maximumExpansion)× its size, at least \(groupedDigits(minimumInflateAllowance))); if the file is genuine, decompress it first or set \(Self.expansionVariable) to a larger factor"
    }

    /// What to say when a dataset would hold more values than allowed.
    func valuesAdvice() -> String {
        "the limit is \(groupedDigits(maximumValues)) values; set \(Self.valuesVariable) to raise it"
    }
}

/// The product of `sizes`, or `nil` if a size is negative or the product overflows `Int`.
func checkedProduct(_ sizes: [Int]) -> Int? {
    var product = 1
    for size in sizes {
        guard size >= 0 else { return nil }
        let (next, overflow) = product.multipliedReportingOverflow(by: size)
        if overflow { return nil }
        product = next
    }
    return product
}
