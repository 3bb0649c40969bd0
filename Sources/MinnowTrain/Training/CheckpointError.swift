/// Why a checkpoint cannot be used. The description names the file and what is wrong with it.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        /// No file at the path.
        case missing
        /// Not a checkpoint, damaged (checksum, truncation) or of an unknown version.
        case corrupted
        /// Written for a different model (identity, layers or parameter shapes).
        case incompatibleModel
        /// Written with different numeric training settings or data.
        case settingMismatch
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
