// Hooks between the interpreter and the int8 LSTM/GRU kernels. The interpreter validates the
// common operand structure, asks for scratch bytes when planning, and calls `invoke` per op.
// The fixed-point contract (operands, formats, rounding) is documented on `Int8LSTMKernel`.

#if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
import CMinnowInt8Kernels
#endif

/// Int8 LSTM and GRU over a whole sequence, int16 cell state.
public enum Int8Recurrent {
    /// Checks the operator's constants and shapes; called once at model load.
    public static func validate(model: Model, op: Int) -> Bool {
        guard op >= 0, op < model.operatorCount else { return false }
        let code = model.operatorCode(op)
        guard code == .lstm || code == .gru else { return false }
        let ins = model.operatorInputs(op), outs = model.operatorOutputs(op)
        guard outs.count == 1 else { return false }
        func operand(_ t: Int) -> Int8RecurrentLayout.Operand {
            Int8RecurrentLayout.Operand(type: model.tensorType(t), shape: model.tensorShape(t),
                                        constant: model.constantData(t))
        }
        let options = model.operatorOptions(op)
        return Int8RecurrentLayout.check(
            isLSTM: code == .lstm, inputCount: ins.count, input: { operand(ins[$0]) }, output: operand(outs[0]),
            units: Int(options.units), returnSequences: options.returnSequences) == nil
    }

    /// Arena bytes the op needs besides its input and output tensors (state, gate buffers).
    public static func scratchBytes(model: Model, op: Int) -> Int {
        let x = model.tensorShape(model.operatorInputs(op)[0])
        let units = Int(model.operatorOptions(op).units)
        return model.operatorCode(op) == .lstm
            ? Int8LSTMKernel.scratchBytes(units: units, features: x[2])
            : Int8GRUKernel.scratchBytes(units: units, features: x[2])
    }

    /// Runs the op. `input`/`output` point at the op's int8 tensors in the arena; `scratch` at
    /// `scratchBytes` bytes of arena (16-byte aligned). `state` is the LSTM/GRU state area inside
    /// `scratch`, which the interpreter zeroes before the call unless streaming is requested.
    public static func invoke(model: Model, op: Int, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                              scratch: UnsafeMutableRawPointer) {
        let ins = model.operatorInputs(op)
        let x = model.tensorShape(ins[0])
        let options = model.operatorOptions(op)
        func bytes<T>(_ i: Int, as type: T.Type) -> UnsafePointer<T> {
            model.constantData(ins[i]).unsafelyUnwrapped.baseAddress.unsafelyUnwrapped
                .assumingMemoryBound(to: T.self)
        }
        if model.operatorCode(op) == .lstm {
            let k = Int8LSTMKernel.Configuration(
                steps: x[1], features: x[2], units: Int(options.units), returnSequences: options.returnSequences,
                inputWeights: bytes(1, as: Int8.self), recurrentWeights: bytes(2, as: Int8.self),
                bias: bytes(3, as: Int32.self), rowExponents: bytes(4, as: UInt8.self),
                parameters: bytes(5, as: Int32.self))
            Int8LSTMKernel.run(k, input: input, output: output, scratch: scratch)
        } else {
            let k = Int8GRUKernel.Configuration(
                steps: x[1], features: x[2], units: Int(options.units), returnSequences: options.returnSequences,
                inputWeights: bytes(1, as: Int8.self), recurrentWeights: bytes(2, as: Int8.self),
                inputBias: bytes(3, as: Int32.self), recurrentBias: bytes(4, as: Int32.self),
                rowExponents: bytes(5, as: UInt8.self), parameters: bytes(6, as: Int32.self))
            Int8GRUKernel.run(k, input: input, output: output, scratch: scratch)
        }
    }
}

/// Operand layout of the int8 recurrent ops and its validation (see `Int8LSTMKernel`).
public enum Int8RecurrentLayout {
    /// Version tag stored in `parameters[0]`.
    public static let parameterVersion: Int32 = 1
    /// Largest hidden size whose recurrent sums stay exact in int32 (`H · 127 · 32768 < 2^31`).
    public static let maxUnits = 512
    /// Largest feature count whose input sums stay exact in int32.
    public static let maxFeatures = 65535

    /// Largest per-row exponent (each nibble of a `rowExponents` byte).
    public static let maxRowExponent: UInt8 = 7
    /// Gate multipliers are below 2^23, so `(ah · mh) << 7` stays inside int64 for H ≤ 512.
    public static let maxMultiplier: Int32 = 1 << 23
    /// Largest gate shift (the kernel shifts by `shift + 7` ≤ 62).
    public static let maxShift: Int32 = 55

    /// Values in the int32 parameter block of an op with `gates` gates.
    public static func parameterCount(gates: Int) -> Int { 2 + 3 * gates }

    /// One operand as `check` sees it: type, shape and (for constants) the stored bytes.
    public struct Operand {
        public var type: ElementType
        public var shape: TensorShape
        public var constant: UnsafeRawBufferPointer?

        public init(type: ElementType, shape: TensorShape, constant: UnsafeRawBufferPointer?) {
            self.type = type
            self.shape = shape
            self.constant = constant
        }
    }

    /// What `check` found wrong: the operand index (inputs 0…, output = input count) and field.
    public struct Problem: Equatable {
        public enum Field: Equatable { case operandCount, type, shape, constant, byteCount, alignment,
                                           units, parameterVersion, zeroPoint, multiplier, shift,
                                           rowExponent }
        public var operand: Int
        public var field: Field
        public init(operand: Int, field: Field) {
            self.operand = operand
            self.field = field
        }
    }

    /// Checks every operand of an int8 LSTM (`isLSTM`) or GRU — `inputCount` inputs read through
    /// `input(i)` — without allocating; `nil` when the kernel can run it unchecked, else the
    /// first problem.
    public static func check(isLSTM: Bool, inputCount: Int, input: (Int) -> Operand, output: Operand,
                             units: Int, returnSequences: Bool) -> Problem? {
        let gates = isLSTM ? 4 : 3
        let biasCount = isLSTM ? 1 : 2
        let exponentsIndex = 3 + biasCount
        let paramsIndex = exponentsIndex + 1
        guard inputCount == paramsIndex + 1 else { return Problem(operand: 0, field: .operandCount) }
        let x = input(0)
        guard x.type == .int8, x.constant == nil else { return Problem(operand: 0, field: .type) }
        guard x.shape.rank == 3, x.shape[0] == 1, x.shape[1] > 0, x.shape[2] > 0, x.shape[2] <= maxFeatures else {
            return Problem(operand: 0, field: .shape)
        }
        let steps = x.shape[1], features = x.shape[2]
        guard units > 0, units <= maxUnits else { return Problem(operand: inputCount, field: .units) }
        let rows = gates * units
        /// A constant of `type`, `shape`, exact byte count, aligned for its element type.
        func constant(_ i: Int, _ type: ElementType, _ shape: TensorShape) -> Problem? {
            let t = input(i)
            guard t.type == type else { return Problem(operand: i, field: .type) }
            guard t.shape == shape else { return Problem(operand: i, field: .shape) }
            guard let data = t.constant else { return Problem(operand: i, field: .constant) }
            guard data.count == shape.elementCount * type.byteCount else { return Problem(operand: i, field: .byteCount) }
            guard let base = data.baseAddress, UInt(bitPattern: base) % UInt(type.byteCount) == 0 else {
                return Problem(operand: i, field: .alignment)
            }
            return nil
        }
        if let p = constant(1, .int8, shape(rows, features)) { return p }
        if let p = constant(2, .int8, shape(rows, units)) { return p }
        for b in 0..<biasCount { if let p = constant(3 + b, .int32, shape(rows)) { return p } }
        if let p = constant(exponentsIndex, .uint8, shape(rows)) { return p }
        let exponents = input(exponentsIndex).constant.unsafelyUnwrapped
        for r in 0..<rows where exponents[r] & 0x0F > maxRowExponent || exponents[r] >> 4 > maxRowExponent {
            return Problem(operand: exponentsIndex, field: .rowExponent)
        }
        if let p = constant(paramsIndex, .int32, shape(parameterCount(gates: gates))) { return p }
        let params = input(paramsIndex).constant.unsafelyUnwrapped.assumingMemoryBound(to: Int32.self)
        guard params[0] == parameterVersion else { return Problem(operand: paramsIndex, field: .parameterVersion) }
        guard params[1] >= -128, params[1] <= 127 else { return Problem(operand: paramsIndex, field: .zeroPoint) }
        for g in 0..<gates {
            guard params[2 + 3 * g] >= 0, params[2 + 3 * g] < maxMultiplier,
                  params[3 + 3 * g] >= 0, params[3 + 3 * g] < maxMultiplier else {
                return Problem(operand: paramsIndex, field: .multiplier)
            }
            guard params[4 + 3 * g] >= 1, params[4 + 3 * g] <= maxShift else { return Problem(operand: paramsIndex, field: .shift) }
        }
        let out = inputCount
        guard output.type == .int8, output.constant == nil else { return Problem(operand: out, field: .type) }
        guard returnSequences ? output.shape.equals(1, steps, units) : output.shape.equals(1, units) else {
            return Problem(operand: out, field: .shape)
        }
        return nil
    }

    /// A rank-1 or rank-2 shape without allocating.
    static func shape(_ a: Int, _ b: Int? = nil) -> TensorShape {
        var s = TensorShape(rank: b == nil ? 1 : 2)
        s[0] = a
        if let b { s[1] = b }
        return s
    }

    /// A gate's multipliers and shift from the parameter block.
    struct GateScale {
        let mx: Int64, mh: Int64, shift: Int64, round: Int64

        @inline(__always)
        init(_ p: UnsafePointer<Int32>, gate g: Int) {
            mx = Int64(p[2 &+ 3 &* g])
            mh = Int64(p[3 &+ 3 &* g])
            shift = Int64(p[4 &+ 3 &* g]) &+ 7
            round = Int64(1) &<< (shift &- 1)
        }

        /// `(ax·mx) << (7 − ex)`, the input product on the common Q.12 · 2^(shift+7) grid.
        @inline(__always)
        func inputProduct(_ ax: Int32, _ e: UInt8) -> Int64 { (Int64(ax) &* mx) &<< Int64(7 &- (e & 15)) }

        /// `(ah·mh) << (7 − eh)`.
        @inline(__always)
        func recurrentProduct(_ ah: Int32, _ e: UInt8) -> Int64 { (Int64(ah) &* mh) &<< Int64(7 &- (e &>> 4)) }

        /// `clamp(((px + ph + 2^(s−1)) >> s) + bias, −65536, 65535)` with `s = shift + 7`: Q.12.
        @inline(__always)
        func preActivation(_ ax: Int32, _ ah: Int32, exponents e: UInt8, bias: Int64) -> Int32 {
            clampQ12(((inputProduct(ax, e) &+ recurrentProduct(ah, e) &+ round) &>> shift) &+ bias)
        }

        /// The input product alone (GRU candidate): Q.12, clamped.
        @inline(__always)
        func inputPart(_ ax: Int32, exponents e: UInt8, bias: Int64) -> Int32 {
            clampQ12(((inputProduct(ax, e) &+ round) &>> shift) &+ bias)
        }

        /// The recurrent product alone (GRU candidate): Q.12, clamped.
        @inline(__always)
        func recurrentPart(_ ah: Int32, exponents e: UInt8, bias: Int64) -> Int32 {
            clampQ12(((recurrentProduct(ah, e) &+ round) &>> shift) &+ bias)
        }

        @inline(__always)
        func clampQ12(_ v: Int64) -> Int32 { Int32(truncatingIfNeeded: min(max(v, -65536), 65535)) }
    }

    /// Int8 output at scale 1/128 from Q0.15: `clamp((h + 128) >> 8, −128, 127)`.
    @inline(__always)
    static func writeOutput(_ h: UnsafePointer<Int16>, count: Int, to y: UnsafeMutablePointer<Int8>) {
        for j in 0..<count {
            y[j] = Int8(truncatingIfNeeded: min((Int32(h[j]) &+ 128) &>> 8, 127))
        }
    }

    @inline(__always)
    static func roundUp16(_ n: Int) -> Int { (n &+ 15) & ~15 }
}

#if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
/// A family of C int8 LSTM/GRU kernels (host builds only); all give the bytes of the Swift
/// `portable` kernels.
public struct Int8RecurrentKernel: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// x86 AVX-512 F/BW/VL: 16-row `vpmaddwd` GEMVs and 16-unit vector gate math.
    public static let avx512 = Int8RecurrentKernel(rawValue: 1)
    /// x86 AVX2: 8-row `vpmaddwd` GEMVs and 8-unit vector gate math.
    public static let avx2 = Int8RecurrentKernel(rawValue: 2)
    /// AArch64 NEON (`smlal`) and dot product (`sdot`) GEMVs, 4-unit vector gate math.
    public static let neon = Int8RecurrentKernel(rawValue: 3)
    public static let neonDot = Int8RecurrentKernel(rawValue: 4)

    /// The fastest family this CPU supports, or `nil` (the Swift kernels then run).
    public static let best: Int8RecurrentKernel? = {
        let raw = minnow_int8_rnn_best_kernel()
        return raw == 0 ? nil : Int8RecurrentKernel(rawValue: raw)
    }()

    /// Every family compiled in and supported by this CPU.
    public static var available: [Int8RecurrentKernel] {
        [avx512, avx2, neon, neonDot].filter { minnow_int8_rnn_kernel_supported($0.rawValue) != 0 }
    }

    public var description: String {
        guard let name = minnow_int8_rnn_kernel_name(rawValue) else { return "kernel \(rawValue)" }
        return String(cString: name)
    }
}
#endif
