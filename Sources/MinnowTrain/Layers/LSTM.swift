import MinnowRuntime

/// Long short-term memory layer with Keras semantics (`tf.keras.layers.LSTM` defaults).
///
/// Input `[N, T, F]`; output `[N, H]` (last step) or `[N, T, H]` with `returnSequences`.
/// Gates `i, f, o` use the sigmoid, the cell candidate `g` and the output use tanh:
/// `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`, state starting at zero.
///
/// Parameters are stored gate-major in the order `i, f, g, o` — the layout of the runtime's
/// `.lstm` operator: `inputWeights [4H, F]` (Glorot uniform), `recurrentWeights [4H, H]`
/// (orthogonal), `bias [4H]` (zeros, forget slice ones as Keras' `unit_forget_bias`).
///
/// `dropout` and `recurrentDropout` follow Keras (see `RecurrentDropout`): training only, one
/// mask per sequence; the exported model has none.
public final class LSTM: Layer {
    public var name: String
    public var kind: String { "LSTM" }
    public let units: Int
    public let returnSequences: Bool
    /// Fraction of input features dropped in training.
    public let dropout: Float
    /// Fraction of the previous hidden state dropped from the recurrent projection in training.
    public let recurrentDropout: Float
    private var masks: RecurrentDropout

    public private(set) var inputWeights: Parameter?
    public private(set) var recurrentWeights: Parameter?
    public private(set) var bias: Parameter?

    private var steps = 0
    private var features = 0
    private var batch = 0

    // Weights as used by the last forward (backward differentiates at these values).
    private let inputWeightsCopy = RecurrentBuffer()
    private let recurrentWeightsCopy = RecurrentBuffer()
    private let biasCopy = RecurrentBuffer()
    // Forward caches, time-major.
    private let inputs = RecurrentBuffer()      // x [T, N, F]
    private let gates = RecurrentBuffer()       // activated i, f, g, o [T, N, 4H]
    private let cells = RecurrentBuffer()       // c [T+1, N, H], slot 0 = zero state
    private let cellTanh = RecurrentBuffer()    // tanh(c) [T, N, H]
    private let hidden = RecurrentBuffer()      // h [T+1, N, H], slot 0 = zero state
    private let maskedHidden = RecurrentBuffer() // h ⊙ recurrent mask [T+1, N, H] (recurrent dropout only)
    // Backward scratch.
    private let gateGradients = RecurrentBuffer()  // ∂L/∂(gate pre-activations) [T, N, 4H]
    private let hiddenGradient = RecurrentBuffer() // [N, H]
    private let cellGradient = RecurrentBuffer()   // [N, H]
    private let inputGradient = RecurrentBuffer()  // [T, N, F]
    private let columnSums = RecurrentBuffer()

    public init(units: Int, returnSequences: Bool = false, dropout: Float = 0, recurrentDropout: Float = 0, name: String = "lstm") {
        precondition(units > 0, "LSTM: units must be positive, found \(units)")
        self.units = units
        self.returnSequences = returnSequences
        self.dropout = dropout
        self.recurrentDropout = recurrentDropout
        masks = RecurrentDropout(inputRate: dropout, recurrentRate: recurrentDropout)
        self.name = name
    }

    public var parameters: [Parameter] {
        guard let wx = inputWeights, let wh = recurrentWeights, let b = bias else { return [] }
        return [wx, wh, b]
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        (steps, features) = try RecurrentSupport.validate(inputShape: inputShape, layer: name)
        let h = units
        inputWeights = Parameter(
            name: "\(name)/input_weights", shape: [4 * h, features],
            value: Initializer.glorotUniform(count: 4 * h * features, fanIn: features, fanOut: 4 * h, generator: &generator),
            isRegularized: true)
        recurrentWeights = Parameter(
            name: "\(name)/recurrent_weights", shape: [4 * h, h],
            value: Initializer.orthogonal(rows: 4 * h, columns: h, generator: &generator),
            isRegularized: true)
        var b = [Float](repeating: 0, count: 4 * h)
        for j in h..<(2 * h) { b[j] = 1 }
        bias = Parameter(name: "\(name)/bias", shape: [4 * h], value: b, isRegularized: false)
        if masks.isEnabled { masks.generator = generator.split() }
        return returnSequences ? [steps, h] : [h]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let wxParameter = inputWeights, let whParameter = recurrentWeights, let bParameter = bias else {
            preconditionFailure("LSTM '\(name)': forward before build")
        }
        let n = input.batchSize, t = steps, f = features, h = units, width = 4 * h
        precondition(input.count == n * t * f, "LSTM '\(name)': input shape \(input.shape), expected [N, \(t), \(f)]")
        batch = n

        let wx = inputWeightsCopy.copy(wxParameter.value)
        let wh = recurrentWeightsCopy.copy(whParameter.value)
        let b = biasCopy.copy(bParameter.value)
        let x = inputs.reserve(t * n * f)
        input.data.withUnsafeBufferPointer {
            RecurrentSupport.toTimeMajor($0.baseAddress!, x, batch: n, steps: t, features: f)
        }
        masks.prepare(training: training, batch: n, features: f, units: h)
        if masks.inputActive { RecurrentDropout.apply(masks.inputMask.pointer, to: x, steps: t, batch: n, width: f) }
        let recurrentMask: UnsafeMutablePointer<Float>? = masks.recurrentActive ? masks.recurrentMask.pointer : nil
        let hm: UnsafeMutablePointer<Float>? = recurrentMask == nil ? nil : maskedHidden.reserve((t + 1) * n * h)
        let g = gates.reserve(t * n * width)
        let c = cells.reserve((t + 1) * n * h)
        let tc = cellTanh.reserve(t * n * h)
        let hs = hidden.reserve((t + 1) * n * h)
        c.update(repeating: 0, count: n * h)
        hs.update(repeating: 0, count: n * h)

        // Input projection of every step at once: G = 1·bᵀ + X·Wxᵀ.
        RecurrentSupport.fillRows(g, rows: t * n, with: b, width: width)
        Gemm.multiply(transposeA: false, transposeB: true, m: t * n, n: width, k: f,
                      a: x, lda: f, b: wx, ldb: f, c: g, ldc: width, accumulate: true)

        // Batch items are independent: each worker runs its rows through every step, so one
        // dispatch covers the whole sequence (per-step dispatch costs more than it saves).
        Parallel.forEachChunk(n, minimumChunk: RecurrentSupport.minimumChunk(units: h, steps: t)) { rows in
            let first = rows.lowerBound, count = rows.count
            for step in 0..<t {
                let gs = g + (step * n + first) * width
                if step > 0 {
                    var previous = UnsafePointer(hs + (step * n + first) * h)
                    if let hm, let recurrentMask {
                        let masked = hm + (step * n + first) * h
                        for j in 0..<(count * h) { masked[j] = previous[j] * recurrentMask[first * h + j] }
                        previous = UnsafePointer(masked)
                    }
                    Gemm.multiply(transposeA: false, transposeB: true, m: count, n: width, k: h,
                                  a: previous, lda: h, b: wh, ldb: h,
                                  c: gs, ldc: width, accumulate: true)
                }
                let cPrevious = c + (step * n + first) * h, cNext = c + ((step + 1) * n + first) * h
                let tcs = tc + (step * n + first) * h, hNext = hs + ((step + 1) * n + first) * h
                for r in 0..<count {
                    let gr = gs + r * width
                    RecurrentMath.sigmoid(gr, count: 2 * h)
                    RecurrentMath.tanh(gr + 2 * h, count: h)
                    RecurrentMath.sigmoid(gr + 3 * h, count: h)
                    let cp = cPrevious + r * h, cn = cNext + r * h, tr = tcs + r * h, hn = hNext + r * h
                    // One pointer per gate keeps index arithmetic (and its overflow checks) out
                    // of the element loops.
                    let gi = gr, gf = gr + h, gc = gr + 2 * h, go = gr + 3 * h
                    for j in 0..<h {
                        let cell = gf[j] * cp[j] + gi[j] * gc[j]
                        cn[j] = cell
                        tr[j] = cell
                    }
                    RecurrentMath.tanh(tr, count: h)
                    for j in 0..<h { hn[j] = go[j] * tr[j] }
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
        guard let wxParameter = inputWeights, let whParameter = recurrentWeights, let bParameter = bias else {
            preconditionFailure("LSTM '\(name)': backward before build")
        }
        let n = batch, t = steps, f = features, h = units, width = 4 * h
        precondition(outputGradient.count == (returnSequences ? n * t * h : n * h),
                     "LSTM '\(name)': output gradient shape \(outputGradient.shape) does not match the last forward")
        let wx = inputWeightsCopy.pointer, wh = recurrentWeightsCopy.pointer
        let x = inputs.pointer, g = gates.pointer, c = cells.pointer, tc = cellTanh.pointer, hs = hidden.pointer
        let dg = gateGradients.reserve(t * n * width)
        let dh = hiddenGradient.zeroed(n * h)
        let dc = cellGradient.zeroed(n * h)
        let sequences = returnSequences
        let recurrentMask: UnsafeMutablePointer<Float>? = masks.recurrentActive ? masks.recurrentMask.pointer : nil

        outputGradient.data.withUnsafeBufferPointer { dOutBuffer in
            let dOut = dOutBuffer.baseAddress!
            // Rows are independent through time, as in forward: one dispatch for all steps.
            Parallel.forEachChunk(n, minimumChunk: RecurrentSupport.minimumChunk(units: h, steps: t)) { rows in
                let first = rows.lowerBound, count = rows.count
                for step in (0..<t).reversed() {
                    // Incoming gradient of h_step from the output (row stride depends on the mode).
                    let incoming: UnsafePointer<Float>? = sequences ? dOut + step * h : (step == t - 1 ? dOut : nil)
                    let incomingStride = sequences ? t * h : h
                    let gs = g + (step * n + first) * width, dgs = dg + (step * n + first) * width
                    let cPrevious = c + (step * n + first) * h, tcs = tc + (step * n + first) * h
                    for r in 0..<count {
                        let gr = gs + r * width, dgr = dgs + r * width
                        let cp = cPrevious + r * h, tr = tcs + r * h
                        let dhr = dh + (first + r) * h, dcr = dc + (first + r) * h
                        if let incoming {
                            let inr = incoming + (first + r) * incomingStride
                            for j in 0..<h { dhr[j] += inr[j] }
                        }
                        let gf = gr + h, gc = gr + 2 * h, go = gr + 3 * h
                        let dgf = dgr + h, dgc = dgr + 2 * h, dgo = dgr + 3 * h
                        for j in 0..<h {
                            let dhv = dhr[j]
                            let i = gr[j], fg = gf[j], cand = gc[j], o = go[j]
                            let tcv = tr[j]
                            let dcv = dcr[j] + dhv * o * (1 - tcv * tcv)
                            dgr[j] = dcv * cand * i * (1 - i)
                            dgf[j] = dcv * cp[j] * fg * (1 - fg)
                            dgc[j] = dcv * i * (1 - cand * cand)
                            dgo[j] = dhv * tcv * o * (1 - o)
                            dcr[j] = dcv * fg
                        }
                    }
                    if step > 0 {
                        // ∂L/∂h_{step−1} = dG_step · Wh (⊙ the recurrent mask, which scaled h_{step−1}).
                        Gemm.multiply(transposeA: false, transposeB: false, m: count, n: h, k: width,
                                      a: dgs, lda: width, b: wh, ldb: h, c: dh + first * h, ldc: h)
                        if let recurrentMask {
                            let rows = dh + first * h, mask = recurrentMask + first * h
                            for j in 0..<(count * h) { rows[j] *= mask[j] }
                        }
                    }
                }
            }
        }

        // Weight gradients over all steps at once.
        RecurrentSupport.accumulateGradient(wxParameter, transposeA: true, transposeB: false,
                                            m: width, n: f, k: t * n, a: dg, lda: width, b: x, ldb: f)
        if t > 1 {
            // Step s uses h_{s−1} = hidden slot s; slot 0 is the zero state, so start at step 1.
            // With recurrent dropout the projection read the masked state.
            let previous = recurrentMask == nil ? hs : maskedHidden.pointer
            RecurrentSupport.accumulateGradient(whParameter, transposeA: true, transposeB: false,
                                                m: width, n: h, k: (t - 1) * n,
                                                a: dg + n * width, lda: width, b: previous + n * h, ldb: h)
        }
        RecurrentSupport.accumulateColumnSums(dg, rows: t * n, into: &bParameter.gradient, scratch: columnSums)

        let dx = inputGradient.reserve(t * n * f)
        Gemm.multiply(transposeA: false, transposeB: false, m: t * n, n: f, k: width,
                      a: dg, lda: width, b: wx, ldb: f, c: dx, ldc: f)
        if masks.inputActive { RecurrentDropout.apply(masks.inputMask.pointer, to: dx, steps: t, batch: n, width: f) }
        var result = Tensor(zeros: [n, t, f])
        result.data.withUnsafeMutableBufferPointer {
            RecurrentSupport.toBatchMajor(dx, $0.baseAddress!, batch: n, steps: t, features: f)
        }
        return result
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        guard let wx = inputWeights, let wh = recurrentWeights, let b = bias else {
            throw TrainError.notBuilt("LSTM \'\(name)\' export")
        }
        let x = try RecurrentSupport.exportInput(to: &builder, input: input, steps: steps, features: features, layer: name)
        let wxIndex = builder.addConstant(name: "\(name)/input_weights", shape: wx.shape, floats: wx.value)
        let whIndex = builder.addConstant(name: "\(name)/recurrent_weights", shape: wh.shape, floats: wh.value)
        let bIndex = builder.addConstant(name: "\(name)/bias", shape: b.shape, floats: b.value)
        let output = builder.addTensor(name: name, shape: returnSequences ? [1, steps, units] : [1, units])
        builder.addOperator(.lstm, inputs: [x, wxIndex, whIndex, bIndex], outputs: [output],
                            options: OperatorOptions(units: Int32(units), returnSequences: returnSequences))
        return output
    }
}

extension LSTM: StatefulLayer {
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
