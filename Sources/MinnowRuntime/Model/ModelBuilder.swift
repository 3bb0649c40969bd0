/// Builds a model in memory and serializes it to the Minnow model file format.
///
/// The exporter in `MinnowTrain` (and tests) describe a graph with `addTensor`,
/// `addConstant` and `addOperator`; `serializedBytes()` lays it out as the file documented in
/// `ModelFormat.swift`.
public struct ModelBuilder: Sendable {
    public struct TensorEntry: Equatable, Sendable {
        public var name: String
        public var type: ElementType
        public var shape: [Int]
        /// Raw little-endian constant bytes; `nil` for activations.
        public var constantBytes: [UInt8]?
        /// Scale(s) and zero point(s) of an int8/int16/int32 tensor; `nil` for float tensors.
        public var quantization: QuantizationParameters? = nil
    }

    public struct OperatorEntry: Equatable, Sendable {
        public var code: OperatorCode
        public var inputs: [Int]
        public var outputs: [Int]
        public var options: OperatorOptions
    }

    public private(set) var tensors: [TensorEntry] = []
    public private(set) var operators: [OperatorEntry] = []
    public var inputs: [Int] = []
    public var outputs: [Int] = []

    public init() {}

    /// Adds an activation (non-constant) tensor and returns its index.
    public mutating func addTensor(name: String, type: ElementType = .float32, shape: [Int],
                                   quantization: QuantizationParameters? = nil) -> Int {
        tensors.append(TensorEntry(name: name, type: type, shape: shape, constantBytes: nil, quantization: quantization))
        return tensors.count - 1
    }

    /// Adds a float32 constant tensor; `values.count` must equal the product of `shape`.
    public mutating func addConstant(name: String, shape: [Int], floats values: [Float]) -> Int {
        precondition(values.count == shape.reduce(1, *), "constant \(name): value count does not match shape")
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for v in values {
            let bits = v.bitPattern
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        tensors.append(TensorEntry(name: name, type: .float32, shape: shape, constantBytes: bytes))
        return tensors.count - 1
    }

    /// Adds a constant of any element type from raw little-endian bytes.
    /// Packed layouts (see `WeightPacking`) may hold more bytes than the logical shape.
    public mutating func addConstant(name: String, type: ElementType, shape: [Int], bytes: [UInt8],
                                     quantization: QuantizationParameters? = nil) -> Int {
        tensors.append(TensorEntry(name: name, type: type, shape: shape, constantBytes: bytes, quantization: quantization))
        return tensors.count - 1
    }

    /// Appends an operator; operators execute in the order they are added.
    public mutating func addOperator(
        _ code: OperatorCode, inputs: [Int], outputs: [Int], options: OperatorOptions = OperatorOptions()
    ) {
        operators.append(OperatorEntry(code: code, inputs: inputs, outputs: outputs, options: options))
    }
}
