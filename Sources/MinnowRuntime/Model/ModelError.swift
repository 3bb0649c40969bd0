/// Why a model file was rejected by `Model.init(bytes:)`.
///
/// Every case names what was wrong and where (tensor, operator, field) so a bad file can be
/// diagnosed without a debugger. On the host, `description` spells it out.
public enum ModelError: Error, Equatable, Sendable {
    /// The buffer (or the declared file length) is shorter than required.
    case truncated(expected: Int, found: Int)
    /// The first four bytes are not "MNOW".
    case badMagic
    /// The format version is not one this runtime reads.
    case unsupportedVersion(found: Int)
    /// Header flags this runtime does not understand.
    case unsupportedFlags(found: Int)
    /// The buffer does not start at a 4-byte aligned address (constants are read in place).
    case misalignedBuffer(address: UInt)
    /// CRC-32 of everything after the header does not match the stored one.
    case checksumMismatch(expected: UInt32, found: UInt32)
    /// A section of the file lies outside the file or is misaligned.
    case sectionOutOfRange(section: ModelSection)
    /// A field of a tensor record is out of range or inconsistent.
    case tensorOutOfRange(tensor: Int, field: TensorField)
    /// A tensor's element type byte is not a known `ElementType`.
    case badElementType(tensor: Int, found: Int)
    /// A tensor's rank or dimensions are invalid (rank > 6, a dimension < 1, element count overflow).
    case badShape(tensor: Int)
    /// A constant's byte length does not equal element count × element size.
    case constantSize(tensor: Int, expected: Int, found: Int)
    /// A constant's data does not start at a 16-byte (format 1) or 4-byte (format 2) aligned file offset.
    case misalignedConstant(tensor: Int)
    /// An operator code the format does not define.
    case badOperatorCode(op: Int, found: Int)
    /// An operator this runtime cannot execute (for example `quantize` in the float runtime).
    case unsupportedOperator(op: Int, code: OperatorCode)
    /// An operator's operand range lies outside the operand list.
    case operandsOutOfRange(op: Int)
    /// An operator names a tensor index that does not exist (`position` counts inputs then outputs).
    case badTensorIndex(op: Int, position: Int, found: Int)
    /// Wrong number of inputs or outputs for the operator code.
    case operatorArity(op: Int, code: OperatorCode)
    /// An options field is invalid for the operator (unknown enum value, non-positive stride, …).
    case badOptions(op: Int, field: OptionsField)
    /// An operand has an element type the operator does not accept.
    case elementTypeMismatch(op: Int, tensor: Int)
    /// Operand shapes violate the operator's convention (see `OperatorCode`).
    case shapeMismatch(op: Int, detail: ShapeCheck)
    /// The operator graph is not executable in order (see `GraphCheck`).
    case badGraph(op: Int, tensor: Int, detail: GraphCheck)
    /// A model input names a tensor that does not exist, is a constant, is repeated, or is neither
    /// float32 nor int8 (`found` is −1 when the model has no inputs).
    case badModelInput(position: Int, found: Int)
    /// A model output names a tensor that does not exist, is a constant, is never written, or is
    /// neither float32 nor int8 (`found` is −1 when the model has no outputs).
    case badModelOutput(position: Int, found: Int)
    /// A tensor's quantization parameters are malformed or missing where an operator needs them.
    case badQuantization(tensor: Int, detail: QuantizationCheck)
    /// A requantization constant holds a multiplier or shift out of range (`index` is the channel).
    case badRequantization(op: Int, index: Int)
    /// An int32 accumulator of the operator could overflow: the GEMM depth (with the folded bias),
    /// a pooling window or an averaged area is too large for exact integer sums.
    case accumulatorOverflow(op: Int)
    /// An operand of an int8 LSTM/GRU breaks the recurrent kernels' contract (`operand` counts
    /// inputs then the output).
    case badRecurrentOperand(op: Int, operand: Int, field: RecurrentField)
    /// The model needs more memory or work than `ModelLimits` allows.
    case limitExceeded(ModelLimit, limit: Int)
}

/// Which bound of `ModelLimits` a model exceeds, for `ModelError.limitExceeded`.
public enum ModelLimit: UInt8, Sendable {
    /// Activations, scratch and planning work together.
    case arenaBytes
    /// Elementary operations of one invocation.
    case operations
}

/// Which part of an int8 recurrent operand is wrong, for `ModelError.badRecurrentOperand`.
public enum RecurrentField: UInt8, Sendable {
    case operandCount, type, shape, constant, byteCount, alignment, layout, units, parameterVersion, zeroPoint,
         multiplier, shift, rowExponent, quantization
}

/// Which quantization rule failed, for `ModelError.badQuantization`.
public enum QuantizationCheck: UInt8, Sendable {
    /// A scale is zero, negative, infinite or NaN.
    case scale
    /// A zero point does not fit the element type.
    case zeroPoint
    /// Per-channel parameters do not have one entry per channel along the axis.
    case channelCount
    /// The element type cannot be quantized (float32).
    case elementType
    /// The operator needs quantization parameters the tensor lacks, or per-tensor ones.
    case missing
    /// The operator needs the same parameters on input and output (pooling, reshape, …).
    case mismatch
    /// The operator's output has fixed parameters (softmax, logistic, tanh) and these differ.
    case fixedRange
}

/// Sections of the model file, for `ModelError.sectionOutOfRange`.
public enum ModelSection: UInt8, Sendable {
    case directory, tensorTable, operatorTable, operandList, inputList, outputList, stringTable, constantData, options, metadata
}

/// Fields of a tensor record, for `ModelError.tensorOutOfRange`.
public enum TensorField: UInt8, Sendable {
    case flags, name, data, reserved, layout, quantization
}

/// Fields of an operator's options record, for `ModelError.badOptions`.
public enum OptionsField: UInt8, Sendable {
    case kernelSize, stride, padding, activation, units, returnSequences, reserved
    /// The options record's length is not the operator's.
    case length
    case dilation, depthMultiplier
}

/// Which shape rule of an operator failed, for `ModelError.shapeMismatch`.
public enum ShapeCheck: UInt8, Sendable {
    /// The main input has the wrong rank or a batch dimension other than 1.
    case inputRank
    /// Weights do not have the shape the input and the convention require.
    case weightsShape
    /// Bias (or batch-norm scale/offset) length does not match the output channels.
    case biasShape
    /// The output shape differs from the one the operator computes.
    case outputShape
    /// Inputs that must have the same shape (for `add`) do not.
    case operandShapes
    /// Options kernel size differs from the weights' kernel size.
    case kernelSize
    /// `reshape` input and output element counts differ.
    case elementCount
}

/// Which ordering rule of the operator graph failed, for `ModelError.badGraph`.
public enum GraphCheck: UInt8, Sendable {
    /// An operator writes a constant tensor.
    case writesConstant
    /// An operator writes a model input.
    case writesModelInput
    /// Two operators (or two outputs of one operator) write the same tensor.
    case writtenTwice
    /// An operator reads an activation that no earlier operator wrote and that is not a model input.
    case readBeforeWrite
}

#if !hasFeature(Embedded)
extension ModelError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .truncated(expected, found):
            return "model file truncated: expected at least \(expected) bytes, found \(found)"
        case .badMagic:
            return "not a Minnow model: magic bytes are not \"MNOW\""
        case let .unsupportedVersion(found):
            return "unsupported model format version \(found) (this runtime reads versions 1 to \(ModelFormat.latestVersion))"
        case let .unsupportedFlags(found):
            return "unsupported header flags 0x\(String(found, radix: 16))"
        case let .misalignedBuffer(address):
            return "model bytes start at address 0x\(String(address, radix: 16)), which is not 4-byte aligned"
        case let .checksumMismatch(expected, found):
            return "model checksum mismatch: header says 0x\(String(expected, radix: 16)), content gives 0x\(String(found, radix: 16))"
        case let .sectionOutOfRange(section):
            return "model section \(section) lies outside the file or is misaligned"
        case let .tensorOutOfRange(tensor, field):
            return "tensor \(tensor): field \(field) out of range"
        case let .badElementType(tensor, found):
            return "tensor \(tensor): unknown element type \(found)"
        case let .badShape(tensor):
            return "tensor \(tensor): invalid shape (rank above \(ModelFormat.maxRank), dimension below 1, or too many elements)"
        case let .constantSize(tensor, expected, found):
            return "tensor \(tensor): constant data is \(found) bytes, shape and type need \(expected)"
        case let .misalignedConstant(tensor):
            return "tensor \(tensor): constant data is not aligned in the file (16 bytes in format 1, 4 in format 2)"
        case let .badOperatorCode(op, found):
            return "operator \(op): unknown operator code \(found)"
        case let .unsupportedOperator(op, code):
            return "operator \(op): \(code) is not supported by this runtime"
        case let .operandsOutOfRange(op):
            return "operator \(op): operand range lies outside the operand list"
        case let .badTensorIndex(op, position, found):
            return "operator \(op): operand \(position) names tensor \(found), which does not exist"
        case let .operatorArity(op, code):
            return "operator \(op) (\(code)): wrong number of inputs or outputs"
        case let .badOptions(op, field):
            return "operator \(op): invalid option \(field)"
        case let .elementTypeMismatch(op, tensor):
            return "operator \(op): tensor \(tensor) has an element type the operator does not accept"
        case let .shapeMismatch(op, detail):
            return "operator \(op): shape check failed: \(detail)"
        case let .badGraph(op, tensor, detail):
            return "operator \(op): tensor \(tensor): \(detail)"
        case let .badModelInput(position, found):
            if found < 0 { return "the model has no inputs" }
            return "model input \(position): tensor \(found) is out of range, constant, repeated, or neither float32 nor int8"
        case let .badModelOutput(position, found):
            if found < 0 { return "the model has no outputs" }
            return "model output \(position): tensor \(found) is out of range, constant, never written, or neither float32 nor int8"
        case let .badQuantization(tensor, detail):
            return "tensor \(tensor): bad quantization parameters: \(detail)"
        case let .badRequantization(op, index):
            return "operator \(op): requantization multiplier or shift of channel \(index) out of range"
        case let .accumulatorOverflow(op):
            return "operator \(op): its int32 sums could overflow (GEMM depth with the bias, pooling window or averaged area too large)"
        case let .badRecurrentOperand(op, operand, field):
            return "operator \(op): recurrent operand \(operand): \(field) does not match the int8 LSTM/GRU contract"
        case let .limitExceeded(kind, limit):
            switch kind {
            case .arenaBytes:
                return "the model's activations and scratch need more than \(limit) bytes of arena (ModelLimits.maxArenaBytes; raise it for bigger models)"
            case .operations:
                return "one inference of the model takes more than \(limit) operations (ModelLimits.maxOperations; raise it for bigger models)"
            }
        }
    }
}
#endif
