/// Finite-difference check of a layer's backward pass, used by the tests of every layer.
///
/// The scalar loss is `L = Σ output ⊙ R` for a fixed random `R`, so `∂L/∂output = R`.
/// Analytical gradients from `backward(R)` are compared with central differences
/// `(L(x + h) − L(x − h)) / 2h` for the input and for every parameter. Layers must be
/// deterministic in the mode checked: use `training: false` for Dropout, or pass `prepare`,
/// which runs before every forward, to reset a layer's random state (e.g. restore a dropout
/// generator with `restoreTrainingState`) so every forward draws the same mask.
public struct GradientCheckResult: CustomStringConvertible {
    /// Largest `|analytic − numeric| / max(1, |analytic|, |numeric|)` over all checked entries.
    public var maxRelativeError: Float
    /// Where the largest error occurred, e.g. "input[17]" or "kernel[3]".
    public var worstEntry: String
    public var checkedEntries: Int
    public var description: String { "max relative error \(maxRelativeError) at \(worstEntry) over \(checkedEntries) entries" }
}

public enum GradientCheck {
    /// - Parameters:
    ///   - layer: a layer already built for `input`'s per-item shape.
    ///   - samplesPerTensor: how many entries of each tensor to perturb (spread evenly).
    ///   - step: the finite-difference step `h`.
    public static func run(
        layer: Layer, input: Tensor, training: Bool = false,
        samplesPerTensor: Int = 40, step: Float = 1e-2, seed: UInt64 = 7,
        prepare: () -> Void = {}
    ) -> GradientCheckResult {
        var generator = SeededGenerator(seed: seed)
        prepare()
        let probe = layer.forward(input, training: training)
        let weights = Tensor(shape: probe.shape, data: (0..<probe.count).map { _ in generator.uniform(-1, 1) })

        func loss(_ x: Tensor) -> Double {
            prepare()
            let y = layer.forward(x, training: training)
            var sum = 0.0
            for i in 0..<y.count { sum += Double(y.data[i]) * Double(weights.data[i]) }
            return sum
        }

        for p in layer.parameters { p.zeroGradient() }
        prepare()
        _ = layer.forward(input, training: training)
        let inputGradient = layer.backward(weights)
        let parameterGradients = layer.parameters.map { $0.gradient }

        var worst: Float = 0
        var worstName = "none"
        var checked = 0
        func record(_ analytic: Float, _ numeric: Float, _ name: String) {
            let error = abs(analytic - numeric) / max(1, abs(analytic), abs(numeric))
            checked += 1
            if error > worst || worstName == "none" { worst = max(worst, error); worstName = name }
        }
        func indices(_ count: Int) -> [Int] {
            let n = min(count, samplesPerTensor)
            return (0..<n).map { $0 * count / n }
        }

        var x = input
        for i in indices(input.count) {
            let saved = x.data[i]
            x.data[i] = saved + step; let plus = loss(x)
            x.data[i] = saved - step; let minus = loss(x)
            x.data[i] = saved
            record(inputGradient.data[i], Float((plus - minus) / (2 * Double(step))), "input[\(i)]")
        }
        for (pIndex, p) in layer.parameters.enumerated() {
            for i in indices(p.value.count) {
                let saved = p.value[i]
                p.value[i] = saved + step; let plus = loss(input)
                p.value[i] = saved - step; let minus = loss(input)
                p.value[i] = saved
                record(parameterGradients[pIndex][i], Float((plus - minus) / (2 * Double(step))), "\(p.name)[\(i)]")
            }
        }
        return GradientCheckResult(maxRelativeError: worst, worstEntry: worstName, checkedEntries: checked)
    }
}

extension GradientCheck {
    /// The same check for a layer with several inputs (`Add`, `Concatenate`): every input and
    /// parameter is perturbed in turn.
    public static func run(
        merge layer: MergeLayer, inputs: [Tensor], training: Bool = false,
        samplesPerTensor: Int = 40, step: Float = 1e-2, seed: UInt64 = 7
    ) -> GradientCheckResult {
        var generator = SeededGenerator(seed: seed)
        let probe = layer.forward(inputs, training: training)
        let weights = (0..<probe.count).map { _ in generator.uniform(-1, 1) }
        func loss(_ xs: [Tensor]) -> Double {
            let y = layer.forward(xs, training: training)
            var sum = 0.0
            for i in 0..<y.count { sum += Double(y.data[i]) * Double(weights[i]) }
            return sum
        }
        for p in layer.parameters { p.zeroGradient() }
        _ = layer.forward(inputs, training: training)
        let inputGradients = layer.backwardInputs(Tensor(shape: probe.shape, data: weights))
        let parameterGradients = layer.parameters.map { $0.gradient }
        var worst: Float = 0
        var worstName = "none"
        var checked = 0
        func record(_ analytic: Float, _ numeric: Float, _ name: String) {
            let error = abs(analytic - numeric) / max(1, abs(analytic), abs(numeric))
            checked += 1
            if error > worst || worstName == "none" { worst = max(worst, error); worstName = name }
        }
        func indices(_ count: Int) -> [Int] {
            let n = min(count, samplesPerTensor)
            return (0..<n).map { $0 * count / n }
        }
        var xs = inputs
        for k in xs.indices {
            for i in indices(xs[k].count) {
                let saved = xs[k].data[i]
                xs[k].data[i] = saved + step; let plus = loss(xs)
                xs[k].data[i] = saved - step; let minus = loss(xs)
                xs[k].data[i] = saved
                record(inputGradients[k].data[i], Float((plus - minus) / (2 * Double(step))), "input\(k)[\(i)]")
            }
        }
        for (pIndex, p) in layer.parameters.enumerated() {
            for i in indices(p.value.count) {
                let saved = p.value[i]
                p.value[i] = saved + step; let plus = loss(inputs)
                p.value[i] = saved - step; let minus = loss(inputs)
                p.value[i] = saved
                record(parameterGradients[pIndex][i], Float((plus - minus) / (2 * Double(step))), "\(p.name)[\(i)]")
            }
        }
        return GradientCheckResult(maxRelativeError: worst, worstEntry: worstName, checkedEntries: checked)
    }
}
