import MinnowRuntime

/// Gated recurrent unit with Keras semantics (`tf.keras.layers.GRU` defaults, `reset_after=True`).
///
/// Input `[N, T, F]`; output `[N, H]` (last step) or `[N, T, H]` with `returnSequences`.
/// Gates in order `z` (update), `r` (reset), `n` (candidate):
/// `z = σ(Wx_z·x + bx_z + Wh_z·h + bh_z)`, `r` likewise,
/// `n = tanh(Wx_n·x + bx_n + r ⊙ (Wh_n·h + bh_n))`, `h' = z ⊙ h + (1 − z) ⊙ n`.
///
/// Parameters match the runtime's `.gru` operator: `inputWeights [3H, F]` (Glorot uniform),
/// `recurrentWeights [3H, H]` (orthogonal), `inputBias [3H]` and `recurrentBias [3H]` (zeros).
///
/// `dropout` and `recurrentDropout` follow Keras (see `RecurrentDropout`): training only, one
/// mask per sequence; the exported model has none.
public final class GRU: Layer {
    public var name: String
    public var kind: String { "GRU" }
    public let units: Int
    public let returnSequences: Bool
    /// Fraction of input features dropped in training.
    public let dropout: Float
    /// Fraction of the previous hidden state dropped from the recurrent projection in training.
    public let recurrentDropout: Float
    private var masks: RecurrentDropout

    public private(set) var inputWeights: Parameter?
    public private(set) var recurrentWeights: Parameter?
    public private(set) var inputBias: Parameter?
    public private(set) var recurrentBias: Parameter?

    private var steps = 0
    private var features = 0
    private var batch = 0

    // Weights as used by the last forward (backward differentiates at these values).
    private let inputWeightsCopy = RecurrentBuffer()
    private let recurrentWeightsCopy = RecurrentBuffer()
    private let inputBiasCopy = RecurrentBuffer()
    private let recurrentBiasCopy = RecurrentBuffer()
    // Forward caches, time-major.
    private let inputs = RecurrentBuffer()      // x [T, N, F]
    private let gates = RecurrentBuffer()       // activated z, r, n [T, N, 3H]
    private let recurrent = RecurrentBuffer()   // Wh·h + bh per step [T, N, 3H] (n slice used by backward)
    private let hidden = RecurrentBuffer()      // h [T+1, N, H], slot 0 = zero state
    private let maskedHidden = RecurrentBuffer() // h ⊙ recurrent mask [T+1, N, H] (recurrent dropout only)
    private let maskedGradient = RecurrentBuffer() // dGh · Wh before the mask [N, H] (recurrent dropout only)
    // Backward scratch.
    private let inputGateGradients = RecurrentBuffer()     // ∂L/∂(Wx·x + bx) [T, N, 3H]
    private let recurrentGateGradients = RecurrentBuffer() // ∂L/∂(Wh·h + bh) [T, N, 3H]
    private let hiddenGradient = RecurrentBuffer()         // [N, H]
    private let inputGradient = RecurrentBuffer()          // [T, N, F]
    private let columnSums = RecurrentBuffer()

    public init(units: Int, returnSequences: Bool = false, dropout: Float = 0, recurrentDropout: Float = 0, name: String = "gru") {
        precondition(units > 0, "GRU: units must be positive, found \(units)")
        self.units = units
        self.returnSequences = returnSequences
        self.dropout = dropout
        self.recurrentDropout = recurrentDropout
        masks = RecurrentDropout(inputRate: dropout, recurrentRate: recurrentDropout)
        self.name = name
    }

    public var parameters: [Parameter] {
        guard let wx = inputWeights, let wh = recurrentWeights, let bx = inputBias, let bh = recurrentBias else { return [] }
        return [wx, wh, bx, bh]
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        (steps, features) = try RecurrentSupport.validate(inputShape: inputShape, layer: name)
        let h = units
        inputWeights = Parameter(
            name: "\(name)/input_weights", shape: [3 * h, features],
            value: Initializer.glorotUniform(count: 3 * h * features, fanIn: features, fanOut: 3 * h, generator: &generator),
            isRegularized: true)
        recurrentWeights = Parameter(
            name: "\(name)/recurrent_weights", shape: [3 * h, h],
            value: Initializer.orthogonal(rows: 3 * h, columns: h, generator: &generator),
            isRegularized: true)
        let zeros = [Float](repeating: 0, count: 3 * h)
        inputBias = Parameter(name: "\(name)/input_bias", shape: [3 * h], value: zeros, isRegularized: false)
        recurrentBias = Parameter(name: "\(name)/recurrent_bias", shape: [3 * h], value: zeros, isRegularized: false)
        if masks.isEnabled { masks.generator = generator.split() }
        return returnSequences ? [steps, h] : [h]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let wxParameter = inputWeights, let whParameter = recurrentWeights,
              let bxParameter = inputBias, let bhParameter = recurrentBias else {
            preconditionFailure("GRU '\(name)': forward before build")
        }
        let n = input.batchSize, t = steps, f = features, h = units, width = 3 * h
        precondition(input.count == n * t * f, "GRU '\(name)': input shape \(input.shape), expected [N, \(t), \(f)]")
        batch = n

        let wx = inputWeightsCopy.copy(wxParameter.value)
        let wh = recurrentWeightsCopy.copy(whParameter.value)
        let bx = inputBiasCopy.copy(bxParameter.value)
        let bh = recurrentBiasCopy.copy(bhParameter.value)
        let x = inputs.reserve(t * n * f)
        input.data.withUnsafeBufferPointer {
            RecurrentSupport.toTimeMajor($0.baseAddress!, x, batch: n, steps: t, features: f)
        }
        masks.prepare(training: training, batch: n, features: f, units: h)
        if masks.inputActive { RecurrentDropout.apply(masks.inputMask.pointer, to: x, steps: t, batch: n, width: f) }
        let recurrentMask: UnsafeMutablePointer<Float>? = masks.recurrentActive ? masks.recurrentMask.pointer : nil
        let hm: UnsafeMutablePointer<Float>? = recurrentMask == nil ? nil : maskedHidden.reserve((t + 1) * n * h)
        let g = gates.reserve(t * n * width)
        let rh = recurrent.reserve(t * n * width)
        let hs = hidden.reserve((t + 1) * n * h)
        hs.update(repeating: 0, count: n * h)

        // Input projection of every step at once: Gx = 1·bxᵀ + X·Wxᵀ.
        RecurrentSupport.fillRows(g, rows: t * n, with: bx, width: width)
        Gemm.multiply(transposeA: false, transposeB: true, m: t * n, n: width, k: f,
                      a: x, lda: f, b: wx, ldb: f, c: g, ldc: width, accumulate: true)

        // Batch items are independent: each worker runs its rows through every step, so one
        // dispatch covers the whole sequence (per-step dispatch costs more than it saves).
        Parallel.forEachChunk(n, minimumChunk: RecurrentSupport.minimumChunk(units: h, steps: t)) { rows in
            let first = rows.lowerBound, count = rows.count
            for step in 0..<t {
                let gs = g + (step * n + first) * width, rs = rh + (step * n + first) * width
                RecurrentSupport.fillRows(rs, rows: count, with: bh, width: width)
                if step > 0 {
                    var previous = UnsafePointer(hs + (step * n + first) * h)
                    if let hm, let recurrentMask {
                        let masked = hm + (step * n + first) * h
                        for j in 0..<(count * h) { masked[j] = previous[j] * recurrentMask[first * h + j] }
                        previous = UnsafePointer(masked)
                    }
                    Gemm.multiply(transposeA: false, transposeB: true, m: count, n: width, k: h,
                                  a: previous, lda: h, b: wh, ldb: h,
                                  c: rs, ldc: width, accumulate: true)
                }
                let hPrevious = hs + (step * n + first) * h, hNext = hs + ((step + 1) * n + first) * h
                for r in 0..<count {
                    let gr = gs + r * width, rr = rs + r * width
                    for j in 0..<(2 * h) { gr[j] += rr[j] }
                    RecurrentMath.sigmoid(gr, count: 2 * h)
                    // One pointer per gate keeps index arithmetic (and its overflow checks) out
                    // of the element loops.
                    let reset = gr + h, cand = gr + 2 * h, rcand = rr + 2 * h
                    for j in 0..<h { cand[j] += reset[j] * rcand[j] }
                    RecurrentMath.tanh(cand, count: h)
                    let hp = hPrevious + r * h, hn = hNext + r * h
                    for j in 0..<h {
                        let z = gr[j]
                        hn[j] = z * hp[j] + (1 - z) * cand[j]
                    }
                }
            }
        }

        if returnSequences {
            var out = Tensor(zeros: [n, t, h])
            out.data.withUnsafeMutableBufferPointer {
                RecurrentSupport.toBatchMajor(hs + n * h, $0.baseAddress!, batch: n, steps: t, features: h)
            }
            return out
        }
        return Tensor(shape: [n, h], data: Array(UnsafeBufferPointer(start: hs + t * n * h, count: n * h)))
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let wxParameter = inputWeights, let whParameter = recurrentWeights,
              let bxParameter = inputBias, let bhParameter = recurrentBias else {
            preconditionFailure("GRU '\(name)': backward before build")
        }
        let n = batch, t = steps, f = features, h = units, width = 3 * h
        precondition(outputGradient.count == (returnSequences ? n * t * h : n * h),
                     "GRU '\(name)': output gradient shape \(outputGradient.shape) does not match the last forward")
        let wx = inputWeightsCopy.pointer, wh = recurrentWeightsCopy.pointer
        let x = inputs.pointer, g = gates.pointer, rh = recurrent.pointer, hs = hidden.pointer
        let dgx = inputGateGradients.reserve(t * n * width)
        let dgh = recurrentGateGradients.reserve(t * n * width)
        let dh = hiddenGradient.zeroed(n * h)
        let sequences = returnSequences
        let recurrentMask: UnsafeMutablePointer<Float>? = masks.recurrentActive ? masks.recurrentMask.pointer : nil
        let scratch: UnsafeMutablePointer<Float>? = recurrentMask == nil ? nil : maskedGradient.reserve(n * h)

        outputGradient.data.withUnsafeBufferPointer { dOutBuffer in
            let dOut = dOutBuffer.baseAddress!
            // Rows are independent through time, as in forward: one dispatch for all steps.
            Parallel.forEachChunk(n, minimumChunk: RecurrentSupport.minimumChunk(units: h, steps: t)) { rows in
                let first = rows.lowerBound, count = rows.count
                for step in (0..<t).reversed() {
                    let incoming: UnsafePointer<Float>? = sequences ? dOut + step * h : (step == t - 1 ? dOut : nil)
                    let incomingStride = sequences ? t * h : h
                    let offset = (step * n + first) * width
                    let gs = g + offset, rs = rh + offset, dgxs = dgx + offset, dghs = dgh + offset
                    let hPrevious = hs + (step * n + first) * h
                    for r in 0..<count {
                        let gr = gs + r * width, rr = rs + r * width
                        let dxr = dgxs + r * width, dhr2 = dghs + r * width
                        let hp = hPrevious + r * h, dhr = dh + (first + r) * h
                        if let incoming {
                            let inr = incoming + (first + r) * incomingStride
                            for j in 0..<h { dhr[j] += inr[j] }
                        }
                        let gReset = gr + h, gCand = gr + 2 * h, rCand = rr + 2 * h
                        let dxReset = dxr + h, dxCand = dxr + 2 * h, dhReset = dhr2 + h, dhCand = dhr2 + 2 * h
                        for j in 0..<h {
                            let dhv = dhr[j]
                            let z = gr[j], reset = gReset[j], cand = gCand[j]
                            let dCandPre = dhv * (1 - z) * (1 - cand * cand)
                            let dZPre = dhv * (hp[j] - cand) * z * (1 - z)
                            let dResetPre = dCandPre * rCand[j] * reset * (1 - reset)
                            dxr[j] = dZPre
                            dxReset[j] = dResetPre
                            dxCand[j] = dCandPre
                            dhr2[j] = dZPre
                            dhReset[j] = dResetPre
                            dhCand[j] = dCandPre * reset
                            dhr[j] = dhv * z   // direct path h' = z ⊙ h + …
                        }
                    }
                    if step > 0 {
                        if let recurrentMask, let scratch {
                            // ∂L/∂h_{step−1} = z ⊙ dh + (dGh_step · Wh) ⊙ mask: the projection read the masked state.
                            let part = scratch + first * h
                            Gemm.multiply(transposeA: false, transposeB: false, m: count, n: h, k: width,
                                          a: dghs, lda: width, b: wh, ldb: h, c: part, ldc: h)
                            let rows = dh + first * h, mask = recurrentMask + first * h
                            for j in 0..<(count * h) { rows[j] += part[j] * mask[j] }
                        } else {
                            // ∂L/∂h_{step−1} = z ⊙ dh + dGh_step · Wh.
                            Gemm.multiply(transposeA: false, transposeB: false, m: count, n: h, k: width,
                                          a: dghs, lda: width, b: wh, ldb: h, c: dh + first * h, ldc: h, accumulate: true)
                        }
                    }
                }
            }
        }

        // Weight gradients over all steps at once.
        RecurrentSupport.accumulateGradient(wxParameter, transposeA: true, transposeB: false,
                                            m: width, n: f, k: t * n, a: dgx, lda: width, b: x, ldb: f)
        if t > 1 {
            // Step s uses h_{s−1} = hidden slot s; slot 0 is the zero state, so start at step 1.
            let previous = recurrentMask == nil ? hs : maskedHidden.pointer
            RecurrentSupport.accumulateGradient(whParameter, transposeA: true, transposeB: false,
                                                m: width, n: h, k: (t - 1) * n,
                                                a: dgh + n * width, lda: width, b: previous + n * h, ldb: h)
        }
        RecurrentSupport.accumulateColumnSums(dgx, rows: t * n, into: &bxParameter.gradient, scratch: columnSums)
        RecurrentSupport.accumulateColumnSums(dgh, rows: t * n, into: &bhParameter.gradient, scratch: columnSums)

        let dx = inputGradient.reserve(t * n * f)
        Gemm.multiply(transposeA: false, transposeB: false, m: t * n, n: f, k: width,
                      a: dgx, lda: width, b: wx, ldb: f, c: dx, ldc: f)
        if masks.inputActive { RecurrentDropout.apply(masks.inputMask.pointer, to: dx, steps: t, batch: n, width: f) }
        var result = Tensor(zeros: [n, t, f])
        result.data.withUnsafeMutableBufferPointer {
            RecurrentSupport.toBatchMajor(dx, $0.baseAddress!, batch: n, steps: t, features: f)
        }
        return result
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        guard let wx = inputWeights, let wh = recurrentWeights, let bx = inputBias, let bh = recurrentBias else {
            throw TrainError.notBuilt("GRU \'\(name)\' export")
        }
        let x = try RecurrentSupport.exportInput(to: &builder, input: input, steps: steps, features: features, layer: name)
        let wxIndex = builder.addConstant(name: "\(name)/input_weights", shape: wx.shape, floats: wx.value)
        let whIndex = builder.addConstant(name: "\(name)/recurrent_weights", shape: wh.shape, floats: wh.value)
        let bxIndex = builder.addConstant(name: "\(name)/input_bias", shape: bx.shape, floats: bx.value)
        let bhIndex = builder.addConstant(name: "\(name)/recurrent_bias", shape: bh.shape, floats: bh.value)
        let output = builder.addTensor(name: name, shape: returnSequences ? [1, steps, units] : [1, units])
        builder.addOperator(.gru, inputs: [x, wxIndex, whIndex, bxIndex, bhIndex], outputs: [output],
                            options: OperatorOptions(units: Int32(units), returnSequences: returnSequences))
        return output
    }
}

extension GRU: StatefulLayer {
    /// The dropout generator's position (nothing without dropout).
    public var trainingState: [LayerStateEntry] { masks.trainingState }

    public func restoreTrainingState(_ state: [LayerStateEntry]) throws {
        guard masks.isEnabled else {
            guard state.isEmpty else {
                throw TrainError.incompatibleState("layer '\(name)' (\(kind)): saved state \(state.map(\.name)) but the layer has no dropout")
            }
            return
        }
        masks.generator.rawState = try words("dropout_generator", count: 1, in: state)[0]
    }
}
