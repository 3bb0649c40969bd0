import Foundation
import MinnowTrain
import XCTest

final class OptimizerTests: XCTestCase {
    private func parameter(_ value: [Float], gradient: [Float], regularized: Bool = true) -> Parameter {
        let p = Parameter(name: "p", shape: [value.count], value: value, isRegularized: regularized)
        p.gradient = gradient
        return p
    }

    // MARK: SGD

    func testPlainSGDStep() {
        let p = parameter([1, -2], gradient: [0.5, 0.25])
        let sgd = SGD(learningRate: 0.1)
        sgd.step([p])
        XCTAssertEqual(p.value[0], 0.95, accuracy: 1e-6)
        XCTAssertEqual(p.value[1], -2.025, accuracy: 1e-6)
        XCTAssertEqual(sgd.iterations, 1)
        XCTAssertEqual(p.gradient, [0.5, 0.25], "step leaves gradients for the caller to zero")
    }

    func testSGDMomentumTwoSteps() {
        // v1 = −lr·g, w1 = w0 − lr·g; v2 = 0.9·v1 − lr·g = −1.9·lr·g, w2 = w0 − 2.9·lr·g.
        let p = parameter([1, -1], gradient: [1, -2])
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        sgd.step([p])
        XCTAssertEqual(p.value[0], 0.9, accuracy: 1e-6)
        XCTAssertEqual(p.value[1], -0.8, accuracy: 1e-6)
        sgd.step([p])
        XCTAssertEqual(p.value[0], 1 - 0.29, accuracy: 1e-6)
        XCTAssertEqual(p.value[1], -1 + 0.58, accuracy: 1e-6)
    }

    func testSGDNesterovTwoSteps() {
        // Keras: w += μ·v_new − lr·g. Step 1: w0 − 1.9·lr·g. Step 2: another −(1.71 + 1)·lr·g.
        let p = parameter([2], gradient: [1])
        let sgd = SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
        sgd.step([p])
        XCTAssertEqual(p.value[0], 2 - 0.19, accuracy: 1e-6)
        sgd.step([p])
        XCTAssertEqual(p.value[0], 2 - 0.461, accuracy: 1e-6)
    }

    // MARK: Adam

    func testAdamDefaultsMatchKeras() {
        let adam = Adam()
        XCTAssertEqual(adam.beta1, 0.9)
        XCTAssertEqual(adam.beta2, 0.999)
        XCTAssertEqual(adam.epsilon, 1e-7)
        XCTAssertEqual(adam.currentLearningRate, 1e-3)
    }

    func testAdamTwoStepsHandComputed() {
        let p = parameter([1], gradient: [0.5])
        let adam = Adam(learningRate: 0.01)
        adam.step([p])
        // m = 0.05, v = 0.00025, α = 0.01·√0.001/0.1; the first step is ≈ lr·sign(g).
        let alpha1 = 0.01 * 0.001.squareRoot() / 0.1
        let step1 = alpha1 * 0.05 / (0.00025.squareRoot() + 1e-7)
        XCTAssertEqual(step1, 0.01, accuracy: 1e-6)
        XCTAssertEqual(Double(p.value[0]), 1 - step1, accuracy: 1e-7)
        p.gradient = [-0.25]
        adam.step([p])
        // m = 0.9·0.05 + 0.1·(−0.25) = 0.02; v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225.
        let alpha2 = 0.01 * (1 - 0.999 * 0.999).squareRoot() / (1 - 0.81)
        let step2 = alpha2 * 0.02 / (0.00031225.squareRoot() + 1e-7)
        XCTAssertEqual(Double(p.value[0]), 1 - step1 - step2, accuracy: 1e-6)
        XCTAssertEqual(adam.iterations, 2)
    }

    func testAdamKeepsSeparateStatePerParameter() {
        let a = parameter([0], gradient: [1])
        let b = parameter([0], gradient: [-4])
        let adam = Adam(learningRate: 0.1)
        adam.step([a, b])
        // First Adam step is ≈ lr·sign(g) whatever the gradient's size.
        XCTAssertEqual(a.value[0], -0.1, accuracy: 1e-5)
        XCTAssertEqual(b.value[0], 0.1, accuracy: 1e-5)
        adam.reset()
        XCTAssertEqual(adam.iterations, 0)
    }

    // MARK: Regularization

    func testL2AddsTwiceCoefficientTimesWeight() {
        let kernel = parameter([2], gradient: [0])
        let bias = parameter([2], gradient: [0], regularized: false)
        SGD(learningRate: 0.1, regularization: Regularization(l2: 0.5)).step([kernel, bias])
        XCTAssertEqual(kernel.value[0], 2 - 0.1 * (2 * 0.5 * 2), accuracy: 1e-6)   // 1.8
        XCTAssertEqual(bias.value[0], 2, "biases are not regularized")
    }

    func testL1AddsCoefficientTimesSign() {
        let kernel = parameter([2, -1, 0], gradient: [0.5, 0.5, 0.5])
        SGD(learningRate: 0.1, regularization: Regularization(l1: 0.3)).step([kernel])
        XCTAssertEqual(kernel.value[0], 2 - 0.1 * 0.8, accuracy: 1e-6)
        XCTAssertEqual(kernel.value[1], -1 - 0.1 * 0.2, accuracy: 1e-6)
        XCTAssertEqual(kernel.value[2], -0.05, accuracy: 1e-6)
    }

    func testRegularizationPenalty() {
        let kernel = parameter([1, -2], gradient: [0, 0])
        let bias = parameter([10], gradient: [0], regularized: false)
        XCTAssertEqual(Regularization(l1: 0.1, l2: 0.01).penalty(of: [kernel, bias]), 0.1 * 3 + 0.01 * 5, accuracy: 1e-6)
        XCTAssertEqual(Regularization.none.penalty(of: [kernel]), 0)
    }

    // MARK: Schedules

    func testLearningRateSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant(0.3).learningRate(atStep: 1000), 0.3)
        let step = LearningRateSchedule.stepDecay(initial: 0.1, factor: 0.5, every: 10)
        XCTAssertEqual(step.learningRate(atStep: 0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(step.learningRate(atStep: 9), 0.1, accuracy: 1e-7)
        XCTAssertEqual(step.learningRate(atStep: 10), 0.05, accuracy: 1e-7)
        XCTAssertEqual(step.learningRate(atStep: 25), 0.025, accuracy: 1e-7)
        let cosine = LearningRateSchedule.cosineDecay(initial: 1, totalSteps: 100, finalFraction: 0.1)
        XCTAssertEqual(cosine.learningRate(atStep: 0), 1, accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(atStep: 50), 0.55, accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(atStep: 25), Float(0.1 + 0.45 * (1 + 0.5.squareRoot())), accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(atStep: 100), 0.1, accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(atStep: 250), 0.1, accuracy: 1e-6)
    }

    func testOptimizerFollowsScheduleStepByStep() {
        let p = parameter([0], gradient: [1])
        let sgd = SGD(schedule: .stepDecay(initial: 1, factor: 0.5, every: 2))
        var expected: Float = 0
        for k in 0..<6 {
            XCTAssertEqual(sgd.currentLearningRate, Float(Foundation.pow(0.5, Double(k / 2))))
            expected -= sgd.currentLearningRate
            sgd.step([p])
            XCTAssertEqual(p.value[0], expected, accuracy: 1e-6)
        }
        XCTAssertEqual(p.value[0], -3.5, accuracy: 1e-6)   // 1 + 1 + .5 + .5 + .25 + .25
    }

    func testLargeParameterUpdateMatchesSmallOne() {
        // 2^17 weights take the parallel path; each must equal the scalar update.
        let n = 1 << 17
        var g = SeededGenerator(seed: 4)
        let values = (0..<n).map { _ in g.uniform(-1, 1) }
        let grads = (0..<n).map { _ in g.uniform(-1, 1) }
        let big = parameter(values, gradient: grads)
        let adam = Adam(learningRate: 0.01, regularization: Regularization(l2: 0.01))
        adam.step([big])
        for i in stride(from: 0, to: n, by: 4099) {
            let small = parameter([values[i]], gradient: [grads[i]])
            Adam(learningRate: 0.01, regularization: Regularization(l2: 0.01)).step([small])
            XCTAssertEqual(big.value[i], small.value[0])
        }
    }

    // MARK: End to end

    func testDenseReLUDenseLearnsSeparableProblemWithAdam() throws {
        // Three classes in 2-D separated by the lines x = y and x = −y (with a margin).
        var g = SeededGenerator(seed: 21)
        var points: [Float] = []
        var labels: [Int32] = []
        while labels.count < 256 {
            let x = g.uniform(-1, 1), y = g.uniform(-1, 1)
            let label: Int32
            if x > abs(y) + 0.1 { label = 0 } else if y > abs(x) + 0.1 { label = 1 } else if -y > abs(x) + 0.1 { label = 2 } else { continue }
            points += [x, y]
            labels.append(label)
        }
        var initGenerator = SeededGenerator(seed: 5)
        let layers: [Layer] = [Dense(units: 16, name: "hidden"), ReLU(), Dense(units: 3, name: "logits")]
        var shape = [2]
        for layer in layers { shape = try layer.build(inputShape: shape, generator: &initGenerator) }
        let parameters = layers.flatMap(\.parameters)
        let adam = Adam(learningRate: 0.01)
        let loss = SoftmaxCrossEntropy()

        func evaluate() throws -> LossEvaluation {
            var h = Tensor(shape: [labels.count, 2], data: points)
            for layer in layers { h = layer.forward(h, training: false) }
            return try loss.evaluate(predictions: h, targets: .classes(labels))
        }
        let before = try evaluate()
        let batch = 32
        for step in 0..<300 {
            let start = (step * batch) % labels.count
            var h = Tensor(shape: [batch, 2], data: Array(points[(2 * start)..<(2 * (start + batch))]))
            for layer in layers { h = layer.forward(h, training: true) }
            let result = try loss.evaluate(predictions: h, targets: .classes(Array(labels[start..<(start + batch)])))
            for p in parameters { p.zeroGradient() }
            var gradient = result.gradient
            for layer in layers.reversed() { gradient = layer.backward(gradient) }
            adam.step(parameters)
        }
        let after = try evaluate()
        XCTAssertLessThan(after.loss, before.loss * 0.5, "loss \(before.loss) → \(after.loss)")
        XCTAssertGreaterThan(Double(after.correctCount ?? 0) / Double(labels.count), 0.95, "accuracy \(after.correctCount ?? 0)/\(labels.count)")
    }
}
