#if MINNOW_C_KERNELS
import CMinnowInt8Kernels
#endif

/// Int8 GRU over a whole sequence (gate order z, r, n; reset-after form), following the
/// fixed-point contract in `Int8LSTMKernel`'s documentation.
public enum Int8GRUKernel {
    /// Pointers and sizes of one int8 GRU; `parameters` has `Int8RecurrentLayout.parameterCount(gates: 3)` values.
    public struct Configuration {
        public var steps: Int
        public var features: Int
        public var units: Int
        public var returnSequences: Bool
        public var inputWeights: UnsafePointer<Int8>
        public var recurrentWeights: UnsafePointer<Int8>
        public var inputBias: UnsafePointer<Int32>
        public var recurrentBias: UnsafePointer<Int32>
        /// Per-row exponents, `ex | eh << 4` (see the contract).
        public var rowExponents: UnsafePointer<UInt8>
        public var parameters: UnsafePointer<Int32>

        public init(steps: Int, features: Int, units: Int, returnSequences: Bool,
                    inputWeights: UnsafePointer<Int8>, recurrentWeights: UnsafePointer<Int8>,
                    inputBias: UnsafePointer<Int32>, recurrentBias: UnsafePointer<Int32>,
                    rowExponents: UnsafePointer<UInt8>, parameters: UnsafePointer<Int32>) {
            self.steps = steps
            self.features = features
            self.units = units
            self.returnSequences = returnSequences
            self.inputWeights = inputWeights
            self.recurrentWeights = recurrentWeights
            self.inputBias = inputBias
            self.recurrentBias = recurrentBias
            self.rowExponents = rowExponents
            self.parameters = parameters
        }
    }

    /// Scratch bytes for `units` and `features` (state `h` first).
    public static func scratchBytes(units: Int, features: Int) -> Int {
        Int8RecurrentLayout.roundUp16(2 &* (2 &* units &+ features))
    }

    /// Runs the GRU over the sequence with the kernels of `path`: the C family of its instruction
    /// set where one exists (AVX-512), else `portable`. Same bytes either way. No checks: the
    /// operator's validation did them.
    @inline(__always)
    public static func run(_ path: KernelPath, _ k: Configuration, input x: UnsafePointer<Int8>,
                           output y: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer) {
        #if MINNOW_C_KERNELS
        if let family = path.instructionSet?.recurrentFamily, family != 0 {
            FixedPointActivations.sigmoidTable.withUnsafeBufferPointer { table in
                var c = minnow_int8_rnn(
                    steps: k.steps, features: k.features, units: k.units, return_sequences: k.returnSequences ? 1 : 0,
                    input_weights: k.inputWeights, recurrent_weights: k.recurrentWeights,
                    bias: k.inputBias, recurrent_bias: k.recurrentBias,
                    row_exponents: k.rowExponents, parameters: k.parameters, sigmoid_table: table.baseAddress)
                minnow_int8_gru(family, &c, x, y, scratch)
            }
            return
        }
        #endif
        portable(k, input: x, output: y, scratch: scratch)
    }

    /// Portable Swift kernel (Embedded builds, and hosts without a C kernel family): the
    /// contract written as plain loops.
    public static func portable(_ k: Configuration, input x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>,
                                scratch: UnsafeMutableRawPointer) {
        let hidden = k.units, features = k.features
        let h = scratch.assumingMemoryBound(to: Int16.self)
        let hNext = h + hidden
        let vx = hNext + hidden
        let p = k.parameters
        let zeroPoint = Int16(truncatingIfNeeded: p[1])
        let gz = Int8RecurrentLayout.GateScale(p, gate: 0)
        let gr = Int8RecurrentLayout.GateScale(p, gate: 1)
        let gn = Int8RecurrentLayout.GateScale(p, gate: 2)
        let wx = k.inputWeights, wh = k.recurrentWeights, bx = k.inputBias, bh = k.recurrentBias, ex = k.rowExponents
        let rowStrideX = hidden &* features, rowStrideH = hidden &* hidden
        FixedPointActivations.sigmoidTable.withUnsafeBufferPointer { tableBuffer in
            let table = tableBuffer.baseAddress.unsafelyUnwrapped
            for t in 0..<k.steps {
                let xt = x + t &* features
                // Steps whose inputs all sit at the zero point (blank image rows) add nothing.
                var anyInput: Int16 = 0
                for f in 0..<features {
                    let v = Int16(xt[f]) &- zeroPoint
                    vx[f] = v
                    anyInput |= v
                }
                let inputFeatures = anyInput == 0 ? 0 : features
                for j in 0..<hidden {
                    let rx = wx + j &* features
                    var xz: Int32 = 0, xr: Int32 = 0, xn: Int32 = 0
                    for f in 0..<inputFeatures {
                        let v = Int32(vx[f])
                        xz &+= Int32(rx[f]) &* v
                        xr &+= Int32(rx[rowStrideX &+ f]) &* v
                        xn &+= Int32(rx[2 &* rowStrideX &+ f]) &* v
                    }
                    let rh = wh + j &* hidden
                    var hz: Int32 = 0, hr: Int32 = 0, hn: Int32 = 0
                    for q in 0..<hidden {
                        let v = Int32(h[q])
                        hz &+= Int32(rh[q]) &* v
                        hr &+= Int32(rh[rowStrideH &+ q]) &* v
                        hn &+= Int32(rh[2 &* rowStrideH &+ q]) &* v
                    }
                    let jr = hidden &+ j, jn = 2 &* hidden &+ j
                    let z = FixedPointActivations.sigmoid(
                        gz.preActivation(xz, hz, exponents: ex[j], bias: Int64(bx[j]) &+ Int64(bh[j])), table: table)
                    let r = FixedPointActivations.sigmoid(
                        gr.preActivation(xr, hr, exponents: ex[jr], bias: Int64(bx[jr]) &+ Int64(bh[jr])), table: table)
                    let a = gn.inputPart(xn, exponents: ex[jn], bias: Int64(bx[jn]))
                    let b = gn.recurrentPart(hn, exponents: ex[jn], bias: Int64(bh[jn]))
                    let nPre = a &+ ((r &* b &+ 16384) &>> 15)
                    let n = Int64(FixedPointActivations.tanh(min(max(nPre, -65536), 65535), table: table))
                    let z64 = Int64(z)
                    let hNew = (z64 &* Int64(h[j]) &+ (32768 &- z64) &* n &+ 16384) &>> 15
                    hNext[j] = Int16(truncatingIfNeeded: min(max(hNew, -32768), 32767))
                }
                h.update(from: hNext, count: hidden)
                if k.returnSequences { Int8RecurrentLayout.writeOutput(h, count: hidden, to: y + t &* hidden) }
            }
        }
        if !k.returnSequences { Int8RecurrentLayout.writeOutput(h, count: hidden, to: y) }
    }
}
