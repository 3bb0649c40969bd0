/// An error raised while reading or resolving a dataset.
///
/// It names what went wrong and where: the file (or data spec), and for text formats the
/// 1-based line and column. `description` renders it like a compiler diagnostic,
/// `path:line:column: message`, so it can be printed as-is.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The broad category, for callers that react differently (e.g. offer to install a dataset).
    public enum Kind: Equatable, Sendable {
        /// A file could not be found or read.
        case unreadableFile
        /// A gzip/DEFLATE stream is corrupt or truncated.
        case corruptCompressedData
        /// A binary header or structure does not match its format (IDX, NPY).
        case invalidFormat
        /// A format feature or element type that this reader does not support.
        case unsupportedFormat
        /// A value in a text file could not be parsed (CSV).
        case invalidValue
        /// Feature/label counts or item shapes do not agree.
        case shapeMismatch
        /// A named dataset is not installed; the message says how to install it.
        case datasetNotInstalled
        /// A data spec string could not be understood.
        case invalidSpec
    }

    public var kind: Kind
    /// The file (or spec) concerned, if any.
    public var file: String?
    /// 1-based line number in a text file, if known.
    public var line: Int?
    /// 1-based column (field) number in a text file, if known.
    public var column: Int?
    /// What is wrong, including expected vs found where that applies.
    public var message: String

    public init(_ kind: Kind, file: String? = nil, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = ""
        if let file {
            location = file
            if let line {
                location += ":\(line)"
                if let column { location += ":\(column)" }
            }
            location += ": "
        }
        return location + message
    }
}

/// Formats an integer with thousands separators ("60,000"), independent of the locale.
func groupedDigits(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (offset, character) in digits.enumerated() {
        if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
        result.append(character)
    }
    return value < 0 ? "-" + result : result
}
