#if MINNOW_C_KERNELS
import CMinnowInt8Kernels
#endif

/// # Int8 LSTM and GRU: the fixed-point contract
///
/// One operator runs a whole sequence: int8 input `x [1, T, F]`, int8 weights, int32 biases, a
/// small int32 parameter block, int16 state, int8 output `h`. Everything after the weight
/// products is integer arithmetic with the roundings written below, so every build gives the
/// same bytes (the tests check the kernels against a separate plain implementation of this text).
///
/// ## Operands (`Int8Recurrent.validate` checks all of them)
/// - LSTM (`.lstm`, int8 input): `[x, inputWeights, recurrentWeights, bias, rowExponents, parameters]`.
/// - GRU (`.gru`, int8 input): `[x, inputWeights, recurrentWeights, inputBias, recurrentBias,
///   rowExponents, parameters]`.
/// - `x`: int8 `[1, T, F]`, real `s_x · (x − zp_x)`.
/// - `inputWeights`: int8 `[G·H, F]` row-major, gate-major rows (LSTM i, f, g, o; GRU z, r, n),
///   symmetric (values −127…127); row `r` of gate `g` has scale `s_wx[g] · 2^−ex[r]`.
/// - `recurrentWeights`: int8 `[G·H, H]`, row scale `s_wh[g] · 2^−eh[r]`.
/// - `rowExponents`: uint8 `[G·H]`, byte `ex[r] | eh[r] << 4`, each exponent in 0…7: a row whose
///   largest weight is small is stored 2^e times larger, so every row uses at least half of
///   the int8 range without a per-row multiplier (one byte per row instead of eight).
/// - biases: int32 `[G·H]` in Q.12 (real = b / 4096) — not the `s_in · s_w` convention of the
///   GEMM ops, because the two products of a row have different scales and meet in Q.12.
/// - `parameters`: int32 `[2 + 3G]`: `[version = 1, zp_x, (mx[g], mh[g], shift[g]) for each gate]`,
///   where `mx[g] = round(s_x · s_wx[g] · 4096 · 2^shift[g])`,
///   `mh[g] = round(2^−15 · s_wh[g] · 4096 · 2^shift[g])`, `shift[g]` in 1…55 chosen so that the
///   larger multiplier lies in [2^22, 2^23) (both below 2^23). 8 + 12G bytes: 56 for an LSTM.
/// - Extra constant bytes per op beyond weights and biases: `G·H + 8 + 12G` (312 for LSTM(64)).
/// - output: int8 `[1, H]` (last step) or `[1, T, H]` (`returnSequences`), scale 1/128, zero point 0.
///
/// Scales are per gate with power-of-two row steps, so the file holds no per-row multipliers
/// (an int32 multiplier and shift per row of both matrices would cost 4 KB for an LSTM(64)).
///
/// ## Fixed-point formats
/// - `v_x[k] = x[t][k] − zp_x` (int16, −255…255).
/// - `h`: int16 Q0.15 (real = h / 32768), the recurrent operand and state.
/// - `c` (LSTM): int16 Q4.11 (real = c / 2048, saturating at ±16).
/// - gate pre-activations `z`: int32 Q.12, clamped to −65536…65535 (±16).
/// - activated gates: Q0.15 in int32 (`FixedPointActivations`: σ̂ in 0…32768, τ̂ in −32768…32768).
///
/// ## One step, per row `r` of gate `g` (exact int32 sums, int64 combine, one rounding)
///
///     ax[r] = Σ_k wx[r][k] · v_x[k]          ah[r] = Σ_k wh[r][k] · h[k]          (int32)
///     px = (ax·mx[g]) << (7 − ex[r])          ph = (ah·mh[g]) << (7 − eh[r])      (int64)
///     z[r] = clamp(((px + ph + 2^(s−1)) >> s) + bias[r], −65536, 65535),  s = shift[g] + 7
///
/// LSTM, per unit `j` (rows j, H+j, 2H+j, 3H+j):
///
///     i = σ̂(z_i)   f = σ̂(z_f)   g = τ̂(z_g)   o = σ̂(z_o)
///     c' = clamp(((f·c + 2^14) >> 15) + ((i·g + 2^18) >> 19), −32768, 32767)      Q4.11
///     h' = min((o · τ̂(2c') + 2^14) >> 15, 32767)                                   Q0.15
///
/// GRU, per unit `j` (reset-after form): `z` and `r` use the row formula with bias
/// `inputBias + recurrentBias`; the candidate keeps the two products apart:
///
///     zg = σ̂(z_z)   r = σ̂(z_r)
///     a  = clamp(((px_n + 2^(s−1)) >> s) + inputBias_n, −65536, 65535)
///     b  = clamp(((ph_n + 2^(s−1)) >> s) + recurrentBias_n, −65536, 65535)
///     n  = τ̂(clamp(a + ((r·b + 2^14) >> 15), −65536, 65535))
///     h' = clamp((zg·h + (32768 − zg)·n + 2^14) >> 15, −32768, 32767)             (int64)
///
/// (`>>` is an arithmetic shift, i.e. floor; `+ 2^(s−1)` makes it round half up.)
/// The new `h` is written after all rows of the step have read the old one.
/// Output: `y = clamp((h + 128) >> 8, −128, 127)`, i.e. `h` at scale 1/128.
///
/// ## Scratch and state
/// Int16 arrays in the scratch area (16-byte aligned, zeroed by the interpreter for a fresh
/// sequence; left alone when streaming): LSTM `[h (H), c (H), h' (H), v_x (F)]`, GRU
/// `[h (H), h' (H), v_x (F)]`. The state (`h`, and `c` for the LSTM) sits at the start and is
/// carried over between calls; nothing is allocated. Bounds that keep every sum exact:
/// H ≤ 512 (int32 `ah`), F ≤ 65535, multipliers < 2^23 (int64 `px`, `ph` below 2^62).
///
/// ## Implementations
/// `portable` is this text as plain Swift loops (Embedded builds, and hosts without a C family).
/// On hosts `run` dispatches to the C kernels of `CMinnowInt8Kernels` (`rnn_int8*.c`, chosen at
/// run time by `Int8RecurrentKernel`), which compute the same integers in SIMD (AVX-512: 16-row
/// int16 multiply-add GEMVs over the weights in place, 16 units of gate math per pass) with the
/// same scratch layout, so both give the same bytes.
public enum Int8LSTMKernel {
    /// Pointers and sizes of one int8 LSTM; `parameters` has `Int8RecurrentLayout.parameterCount(gates: 4)` values.
    public struct Configuration {
        public var steps: Int
        public var features: Int
        public var units: Int
        public var returnSequences: Bool
        public var inputWeights: UnsafePointer<Int8>
        public var recurrentWeights: UnsafePointer<Int8>
        public var bias: UnsafePointer<Int32>
        /// Per-row exponents, `ex | eh << 4` (see the contract).
        public var rowExponents: UnsafePointer<UInt8>
        public var parameters: UnsafePointer<Int32>

        public init(steps: Int, features: Int, units: Int, returnSequences: Bool,
                    inputWeights: UnsafePointer<Int8>, recurrentWeights: UnsafePointer<Int8>,
                    bias: UnsafePointer<Int32>, rowExponents: UnsafePointer<UInt8>, parameters: UnsafePointer<Int32>) {
            self.steps = steps
            self.features = features
            self.units = units
            self.returnSequences = returnSequences
            self.inputWeights = inputWeights
            self.recurrentWeights = recurrentWeights
            self.bias = bias
            self.rowExponents = rowExponents
            self.parameters = parameters
        }
    }

    /// Scratch bytes for `units` and `features` (state first).
    public static func scratchBytes(units: Int, features: Int) -> Int {
        Int8RecurrentLayout.roundUp16(2 &* (3 &* units &+ features))
    }

    /// Runs the LSTM over the sequence with the kernels of `path`: the C family of its instruction
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
                    bias: k.bias, recurrent_bias: nil,
                    row_exponents: k.rowExponents, parameters: k.parameters, sigmoid_table: table.baseAddress)
                minnow_int8_lstm(family, &c, x, y, scratch)
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
        let c = h + hidden
        let hNext = c + hidden
        let vx = hNext + hidden
        let p = k.parameters
        let zeroPoint = Int16(truncatingIfNeeded: p[1])
        let gi = Int8RecurrentLayout.GateScale(p, gate: 0)
        let gf = Int8RecurrentLayout.GateScale(p, gate: 1)
        let gg = Int8RecurrentLayout.GateScale(p, gate: 2)
        let go = Int8RecurrentLayout.GateScale(p, gate: 3)
        let wx = k.inputWeights, wh = k.recurrentWeights, bias = k.bias, ex = k.rowExponents
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
                    // The four gate rows of unit j share every load of v_x and h.
                    let rx = wx + j &* features
                    var xi: Int32 = 0, xf: Int32 = 0, xg: Int32 = 0, xo: Int32 = 0
                    for f in 0..<inputFeatures {
                        let v = Int32(vx[f])
                        xi &+= Int32(rx[f]) &* v
                        xf &+= Int32(rx[rowStrideX &+ f]) &* v
                        xg &+= Int32(rx[2 &* rowStrideX &+ f]) &* v
                        xo &+= Int32(rx[3 &* rowStrideX &+ f]) &* v
                    }
                    let rh = wh + j &* hidden
                    var hi: Int32 = 0, hf: Int32 = 0, hg: Int32 = 0, ho: Int32 = 0
                    for q in 0..<hidden {
                        let v = Int32(h[q])
                        hi &+= Int32(rh[q]) &* v
                        hf &+= Int32(rh[rowStrideH &+ q]) &* v
                        hg &+= Int32(rh[2 &* rowStrideH &+ q]) &* v
                        ho &+= Int32(rh[3 &* rowStrideH &+ q]) &* v
                    }
                    let i = FixedPointActivations.sigmoid(gi.preActivation(xi, hi, exponents: ex[j], bias: Int64(bias[j])), table: table)
                    let fg = FixedPointActivations.sigmoid(gf.preActivation(xf, hf, exponents: ex[hidden &+ j], bias: Int64(bias[hidden &+ j])), table: table)
                    let g = FixedPointActivations.tanh(gg.preActivation(xg, hg, exponents: ex[2 &* hidden &+ j], bias: Int64(bias[2 &* hidden &+ j])), table: table)
                    let o = FixedPointActivations.sigmoid(go.preActivation(xo, ho, exponents: ex[3 &* hidden &+ j], bias: Int64(bias[3 &* hidden &+ j])), table: table)
                    let cell = ((fg &* Int32(c[j]) &+ 16384) &>> 15) &+ ((i &* g &+ 262_144) &>> 19)
                    let cNew = min(max(cell, -32768), 32767)
                    c[j] = Int16(truncatingIfNeeded: cNew)
                    let hNew = (o &* FixedPointActivations.tanh(cNew &<< 1, table: table) &+ 16384) &>> 15
                    hNext[j] = Int16(truncatingIfNeeded: min(hNew, 32767))
                }
                h.update(from: hNext, count: hidden)
                if k.returnSequences { Int8RecurrentLayout.writeOutput(h, count: hidden, to: y + t &* hidden) }
            }
        }
        if !k.returnSequences { Int8RecurrentLayout.writeOutput(h, count: hidden, to: y) }
    }
}
