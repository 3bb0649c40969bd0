import MinnowData

/// Why `minnow predict` could not run: each case names the file and what is wrong.
public enum PredictError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input file could not be read or parsed (the reader's error names file, line, column).
    case data(DataError)
    /// The input file's format could not be told from its name or first bytes.
    case unknownFormat(path: String)
    /// The data's trailing dimensions do not match the model input.
    case shapeMismatch(path: String, dataShape: [Int], inputShape: [Int])
    /// The data's element type cannot feed the model input (e.g. int8 data into a float input).
    case typeMismatch(path: String, reason: String)
    /// The model file is invalid or uses what predict does not support.
    case model(path: String, reason: String)
    /// Inference failed on one item.
    case inference(item: Int, reason: String)

    public var description: String {
        switch self {
        case let .data(error):
            return error.description
        case let .unknownFormat(path):
            return "\(path): unknown input format (use a .npy file, a .csv file, or an IDX file such as t10k-images-idx3-ubyte[.gz])"
        case let .shapeMismatch(path, dataShape, inputShape):
            return "\(path): data of shape \(dataShape) does not end in the model input's dimensions \(inputShape)"
        case let .typeMismatch(path, reason):
            return "\(path): \(reason)"
        case let .model(path, reason):
            return "\(path): \(reason)"
        case let .inference(item, reason):
            return "inference failed on item \(item): \(reason)"
        }
    }
}
