// The int8 LSTM/GRU operand contract and its validation; the fixed-point arithmetic is documented
// on `Int8LSTMKernel`.

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

    /// Scale of the int8 output (zero point 0).
    public static let outputScale: Float = 1.0 / 128

    /// Values in the int32 parameter block of an op with `gates` gates.
    public static func parameterCount(gates: Int) -> Int { 2 + 3 * gates }

    /// One operand as `check` sees it: type, shape, layout, per-tensor quantization (when known)
    /// and, for constants, the stored bytes.
    public struct Operand {
        public var type: ElementType
        public var shape: TensorShape
        public var constant: UnsafeRawBufferPointer?
        public var layout: TensorLayout
        /// Scale and zero point of a per-tensor quantized operand (input and output).
        public var quantization: (scale: Float, zeroPoint: Int32)?

        public init(type: ElementType, shape: TensorShape, constant: UnsafeRawBufferPointer?,
                    layout: TensorLayout = .dense, quantization: (scale: Float, zeroPoint: Int32)? = nil) {
            self.type = type
            self.shape = shape
            self.constant = constant
            self.layout = layout
            self.quantization = quantization
        }
    }

    /// What `check` found wrong: the operand index (inputs 0…, output = input count) and field.
    public struct Problem: Equatable, Sendable {
        public typealias Field = RecurrentField
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
            // Packed (n16k4) weights would be read as dense rows: only the dense layout runs.
            guard t.layout == .dense else { return Problem(operand: i, field: .layout) }
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
        // The kernel subtracts params[1] from the input: it must be the input's own zero point.
        if let q = x.quantization, q.zeroPoint != params[1] { return Problem(operand: paramsIndex, field: .zeroPoint) }
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
        // The kernel writes Q0.15 state as int8 at scale 1/128, zero point 0: a file declaring
        // anything else would be read with the wrong scale.
        if let q = output.quantization, q.scale != outputScale || q.zeroPoint != 0 {
            return Problem(operand: out, field: .quantization)
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

