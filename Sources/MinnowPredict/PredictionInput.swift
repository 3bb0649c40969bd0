import Foundation
import MinnowData

/// Items to run through a model, read from a `.npy`, `.csv` or IDX file.
public struct PredictionInput: Sendable {
    /// Element values: raw int8 (fed to an int8 input unchanged) or floats (quantized for int8 inputs).
    public enum Values: Sendable, Equatable {
        case int8([Int8])
        case float([Float])

        public var count: Int {
            switch self {
            case let .int8(v): return v.count
            case let .float(v): return v.count
            }
        }
    }

    public var values: Values
    /// Shape of the data as stored, e.g. [N, 28, 28] (.npy, IDX) or [rows, columns] (CSV).
    public var shape: [Int]
    /// CSV rows are flat: only their column count must equal the input's element count.
    public var rowsAreFlat: Bool
    /// The file, for messages.
    public var path: String

    public init(values: Values, shape: [Int], rowsAreFlat: Bool = false, path: String) {
        self.values = values
        self.shape = shape
        self.rowsAreFlat = rowsAreFlat
        self.path = path
    }

    /// Reads `path`: `.npy` (int8 stays int8; uint8 is scaled to [0, 1] as the trainer reads
    /// images; other types convert by value), `.csv[.gz]` (numeric columns; a column named
    /// `label` is ignored) or an IDX file (unsigned bytes, scaled to [0, 1]).
    public static func load(path: String) throws(PredictError) -> PredictionInput {
        let lower = path.lowercased()
        do {
            if lower.hasSuffix(".npy") {
                let array = try NumpyReader.read(path: path)
                if array.elementType == .int8 {
                    return PredictionInput(values: .int8(array.data.map { Int8(bitPattern: $0) }), shape: array.shape, path: path)
                }
                return PredictionInput(values: .float(array.floatValues(scaleBytesToUnitRange: true)), shape: array.shape, path: path)
            }
            if lower.hasSuffix(".csv") || lower.hasSuffix(".csv.gz") {
                return try loadCSV(path: path)
            }
            if lower.contains("idx") || lower.contains("ubyte") {
                let array = try IDXReader.read(path: path)
                return PredictionInput(values: .float(array.bytes.map { Float($0) / 255 }), shape: array.dimensions, path: path)
            }
        } catch {
            throw .data(error)
        }
        throw .unknownFormat(path: path)
    }

    /// CSV through MinnowData's reader, which expects a label column: a `label` column is used
    /// (and ignored) when the header has one; otherwise every row gets a constant label column.
    static func loadCSV(path: String) throws(DataError) -> PredictionInput {
        let bytes = try DataFile.contents(of: path)
        let firstLine = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
            .first { $0.contains { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\r") } }
        let header = firstLine.map { String(decoding: $0, as: UTF8.self) }?
            .split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\"")) } ?? []
        let dataset: LabeledDataset
        if let label = header.first(where: { $0.lowercased() == "label" }) {
            dataset = try CSVReader.parse(bytes, source: path, options: CSVOptions(labelColumn: .named(label)))
        } else {
            dataset = try CSVReader.parse(appendingConstantColumn(bytes), source: path,
                                          options: CSVOptions(labelColumn: .index(header.count)))
        }
        return PredictionInput(values: .float(dataset.features), shape: [dataset.count, dataset.itemShape.reduce(1, *)],
                               rowsAreFlat: true, path: path)
    }

    /// Appends ",0" to every non-blank line (before a "\r"), so the columns keep their numbers.
    static func appendingConstantColumn(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        var line: [UInt8] = []
        func flush() {
            var body = line[...]
            let carriageReturn = body.last == UInt8(ascii: "\r")
            if carriageReturn { body = body.dropLast() }
            out.append(contentsOf: body)
            if body.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) {
                out.append(contentsOf: Array(",0".utf8))
            }
            if carriageReturn { out.append(UInt8(ascii: "\r")) }
            line.removeAll(keepingCapacity: true)
        }
        for b in bytes {
            if b == UInt8(ascii: "\n") {
                flush()
                out.append(b)
            } else {
                line.append(b)
            }
        }
        flush()
        return out
    }

    /// Number of items when the data's trailing dimensions match `inputShape` (leading 1s of
    /// the input, as in TFLite's [1, H, W, C], and a trailing channel of 1 may be left out).
    public func itemCount(forInputShape inputShape: [Int]) throws(PredictError) -> Int {
        let inputElements = inputShape.reduce(1, *)
        if rowsAreFlat {
            guard shape.count == 2, shape[1] == inputElements else {
                throw .shapeMismatch(path: path, dataShape: shape, inputShape: inputShape)
            }
            return shape[0]
        }
        var core = inputShape[...]
        while core.count > 1, core.first == 1 { core = core.dropFirst() }
        var candidates = [Array(core)]
        if core.count > 1, core.last == 1 { candidates.append(Array(core.dropLast())) }
        for candidate in candidates where shape.count >= candidate.count && Array(shape.suffix(candidate.count)) == candidate {
            let leading = shape.dropLast(candidate.count)
            guard let first = leading.first else { return 1 }
            if leading.dropFirst().allSatisfy({ $0 == 1 }) { return first }
        }
        throw .shapeMismatch(path: path, dataShape: shape, inputShape: inputShape)
    }
}
