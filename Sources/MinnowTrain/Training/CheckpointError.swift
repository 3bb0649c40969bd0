/// Why a checkpoint cannot be used. The message names the file and what is wrong with it.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No file at the path.
    case missing(String)
    /// Not a checkpoint, damaged (checksum, truncation) or of an unknown version.
    case corrupted(String)
    /// Written for a different model (identity, layers or parameter shapes).
    case incompatibleModel(String)
    /// Written with different numeric training settings or data.
    case settingMismatch(String)

    /// The case without its message, for callers that only branch on the kind.
    public enum Kind: Equatable, Sendable {
        case missing, corrupted, incompatibleModel, settingMismatch
    }

    public var kind: Kind {
        switch self {
        case .missing: return .missing
        case .corrupted: return .corrupted
        case .incompatibleModel: return .incompatibleModel
        case .settingMismatch: return .settingMismatch
        }
    }

    public var description: String {
        switch self {
        case .missing(let message), .corrupted(let message), .incompatibleModel(let message), .settingMismatch(let message):
            return message
        }
    }

    init(_ kind: Kind, _ message: String) {
        switch kind {
        case .missing: self = .missing(message)
        case .corrupted: self = .corrupted(message)
        case .incompatibleModel: self = .incompatibleModel(message)
        case .settingMismatch: self = .settingMismatch(message)
        }
    }
}
