/// Errors raised while building, training, exporting or evaluating a model.
///
/// Each case says what kind of problem it is, so callers can react (the CLI, for example,
/// exits with status 1 for all of them but tells an unsupported export apart); the
/// `description` is the full message, naming the layer, file, item or key concerned.
public enum TrainError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A layer cannot be built for its input shape, or was configured impossibly.
    case invalidLayer(layer: String, reason: String)
    /// A model description (JSON spec or graph) is malformed. `location` names the file and,
    /// where it applies, the layer (index, name, type) and the key.
    case invalidSpec(location: String, reason: String)
    /// A model or layer was used before `build(seed:)`.
    case notBuilt(String)
    /// The runtime has no operator for this layer yet, so it cannot be exported.
    case unsupportedExport(layer: String, kind: String, reason: String)
    /// Export failed for another reason (a shape that does not match the built layer).
    case exportFailed(layer: String, reason: String)
    /// Training or evaluation data does not fit the model or the loss. `source` names the
    /// data (file or spec), `item` the 0-based row when one row is at fault.
    case invalidData(source: String, item: Int?, reason: String)
    /// A loss was given targets that do not fit its predictions (programming error or data).
    case invalidTargets(loss: String, reason: String)
    /// The loss or the weights became NaN or infinite.
    case diverged(reason: String)
    /// Training settings that cannot work together (e.g. a validation split with no items).
    case invalidConfiguration(String)
    /// Saved state (optimizer slots, layer statistics) does not fit the model.
    case incompatibleState(String)
    /// A model file cannot be read back or run.
    case invalidModelFile(path: String, reason: String)
    /// Inference in the runtime failed on one item.
    case inferenceFailed(item: Int, reason: String)
    /// A file could not be written.
    case unwritableFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidLayer(let layer, let reason): return "\(layer): \(reason)"
        case .invalidSpec(let location, let reason): return "\(location): \(reason)"
        case .notBuilt(let what): return "\(what): build the model first"
        case .unsupportedExport(let layer, let kind, let reason): return "layer \(layer) (\(kind)): \(reason)"
        case .exportFailed(let layer, let reason): return "export of \(layer): \(reason)"
        case .invalidData(let source, let item, let reason):
            return item.map { "\(source): item \($0): \(reason)" } ?? "\(source): \(reason)"
        case .invalidTargets(let loss, let reason): return "\(loss): \(reason)"
        case .diverged(let reason): return "training diverged: \(reason)"
        case .invalidConfiguration(let reason): return reason
        case .incompatibleState(let reason): return reason
        case .invalidModelFile(let path, let reason): return "\(path): \(reason)"
        case .inferenceFailed(let item, let reason): return "inference failed on item \(item): \(reason)"
        case .unwritableFile(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }

    /// The standard refusal for a layer the runtime cannot run yet.
    static func noRuntimeOperator(_ layer: String, kind: String) -> TrainError {
        .unsupportedExport(layer: layer, kind: kind, reason: "the runtime has no operator for it yet")
    }
}
