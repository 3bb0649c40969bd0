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
        /// Byte arrangement of a constant (`.n16k4` for packed int8 GEMM weights).
        public var layout: TensorLayout = .dense
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

    /// Free-form UTF-8 key/value pairs stored with the model (format version 3), e.g.
    /// `training_data` → the data spec it was trained on, which tools use as their default.
    public var metadata: [String: String] = [:]

    /// Store tensor names. Names cost flash; deployment files may leave them out (then the file
    /// is written as format version 2 and `Model.tensorNameBytes` is empty).
    public var includesNames = true

    /// Store the names of constants too. Activation names are what tools match layers by
    /// (parity, profiles); constant names only cost flash, so int8 deployment files drop them.
    public var includesConstantNames = true

    /// Leave out the quantization parameters of the weights and biases of int8 operators whose
    /// requantization constant already carries everything the kernels need
    /// (`OperatorDefinition.constantsCarryQuantization`): per-channel scales would cost 8 bytes a channel.
    public var dropsRedundantQuantization = true

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
                                     quantization: QuantizationParameters? = nil,
                                     layout: TensorLayout = .dense) -> Int {
        tensors.append(TensorEntry(name: name, type: type, shape: shape, constantBytes: bytes,
                                   quantization: quantization, layout: layout))
        return tensors.count - 1
    }

    /// Adds int8 GEMM weights (row-major `[n, k…]` values), packed "n16k4" (`WeightPacking`).
    public mutating func addPackedWeights(name: String, shape: [Int], values: [Int8],
                                          quantization: QuantizationParameters? = nil) -> Int {
        let n = shape.first ?? 1
        let k = shape.dropFirst().reduce(1, *)
        let packed = WeightPacking.pack(values, channels: n, depth: k)
        return addConstant(name: name, type: .int8, shape: shape,
                           bytes: packed.map { UInt8(bitPattern: $0) }, quantization: quantization, layout: .n16k4)
    }

    /// Adds an int32 constant (biases, requantization multipliers and shifts).
    public mutating func addConstant(name: String, shape: [Int], int32s values: [Int32],
                                     quantization: QuantizationParameters? = nil) -> Int {
        precondition(values.count == shape.reduce(1, *), "constant \(name): value count does not match shape")
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for v in values {
            let bits = UInt32(bitPattern: v)
            for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(i)))) }
        }
        return addConstant(name: name, type: .int32, shape: shape, bytes: bytes, quantization: quantization)
    }

    /// Adds an int8 constant (dense).
    public mutating func addConstant(name: String, shape: [Int], int8s values: [Int8],
                                     quantization: QuantizationParameters? = nil) -> Int {
        precondition(values.count == shape.reduce(1, *), "constant \(name): value count does not match shape")
        return addConstant(name: name, type: .int8, shape: shape, bytes: values.map { UInt8(bitPattern: $0) },
                           quantization: quantization)
    }

    /// Adds the requantization constant of an int8 operator that requantizes per output channel:
    /// int32 `[2, n]`, row 0 the Q31 multipliers, row 1 the shifts (`RequantizedOperands.swift`).
    public mutating func addRequantization(name: String, _ multipliers: [QuantizedMultiplier]) -> Int {
        addConstant(name: name, shape: [2, multipliers.count],
                    int32s: multipliers.map { $0.multiplier } + multipliers.map { $0.shift })
    }

    /// Removes every operator (tensors stay), to rebuild the graph with other operators.
    public mutating func removeAllOperators() { operators.removeAll() }

    /// Appends an operator; operators execute in the order they are added.
    public mutating func addOperator(
        _ code: OperatorCode, inputs: [Int], outputs: [Int], options: OperatorOptions = OperatorOptions()
    ) {
        operators.append(OperatorEntry(code: code, inputs: inputs, outputs: outputs, options: options))
    }
}
