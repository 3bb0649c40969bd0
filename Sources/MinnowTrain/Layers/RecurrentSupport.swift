import Foundation
import MinnowRuntime

/// A growable, uninitialized float buffer owned by a layer, so the recurrent layers' hot loops
/// run on raw pointers without allocating per step (or per batch once the size is reached).
final class RecurrentBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init() {
        capacity = 1
        pointer = .allocate(capacity: 1)
    }

    deinit { pointer.deallocate() }

    /// Returns storage for at least `count` floats; contents are unspecified after growth.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
        }
        return pointer
    }

    /// Returns storage for `count` floats, all set to zero.
    func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = reserve(count)
        p.update(repeating: 0, count: count)
        return p
    }

    /// Returns storage holding a copy of `values`.
    func copy(_ values: [Float]) -> UnsafeMutablePointer<Float> {
        let p = reserve(values.count)
        values.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: values.count) }
        return p
    }
}

/// The gate nonlinearities of the recurrent layers, applied in place over contiguous spans.
/// Kept in one place so a vectorized implementation can replace the scalar `Foundation` calls.
enum RecurrentMath {
    @inline(__always)
    static func sigmoid(_ values: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.sigmoid(values, values, count: count)
    }

    @inline(__always)
    static func tanh(_ values: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.tanh(values, values, count: count)
    }
}

/// Layout and bookkeeping helpers shared by `LSTM` and `GRU`.
///
/// Both layers work internally in time-major order (`[T, N, ·]`): the rows of one step are then
/// one contiguous matrix for the per-step GEMM, and the rows of all steps stack into one matrix
/// for the input projection and the weight-gradient GEMMs.
enum RecurrentSupport {
    /// Copies batch-major `[N, T, F]` into time-major `[T, N, F]`.
    static func toTimeMajor(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
                            batch: Int, steps: Int, features: Int) {
        for n in 0..<batch {
            for t in 0..<steps {
                (destination + (t * batch + n) * features)
                    .update(from: source + (n * steps + t) * features, count: features)
            }
        }
    }

    /// Copies time-major `[T, N, F]` into batch-major `[N, T, F]`.
    static func toBatchMajor(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
                             batch: Int, steps: Int, features: Int) {
        for n in 0..<batch {
            for t in 0..<steps {
                (destination + (n * steps + t) * features)
                    .update(from: source + (t * batch + n) * features, count: features)
            }
        }
    }

    /// Sets every one of `rows` rows of width `bias.count` to `bias`.
    static func fillRows(_ destination: UnsafeMutablePointer<Float>, rows: Int, with bias: UnsafePointer<Float>, width: Int) {
        for r in 0..<rows { (destination + r * width).update(from: bias, count: width) }
    }

    /// `gradient[j] += Σ_r matrix[r][j]` over `rows` rows of width `gradient.count`, summing rows
    /// in order (deterministic).
    static func accumulateColumnSums(_ matrix: UnsafePointer<Float>, rows: Int, into gradient: inout [Float],
                                     scratch: RecurrentBuffer) {
        let width = gradient.count
        let sums = scratch.zeroed(width)
        for r in 0..<rows {
            let row = matrix + r * width
            for j in 0..<width { sums[j] += row[j] }
        }
        for j in 0..<width { gradient[j] += sums[j] }
    }

    /// Accumulates `C += op(A)·op(B)` into a parameter's gradient.
    static func accumulateGradient(
        _ parameter: Parameter, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int
    ) {
        parameter.gradient.withUnsafeMutableBufferPointer { g in
            Gemm.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                          a: a, lda: lda, b: b, ldb: ldb, c: g.baseAddress!, ldc: n, accumulate: true)
        }
    }

    /// Batch items per worker: the recurrent loops dispatch once per pass, so a chunk only needs
    /// a couple of thousand unit-steps of work to outweigh the dispatch.
    static func minimumChunk(units: Int, steps: Int) -> Int { max(1, 2048 / max(1, units * steps)) }

    /// Validates a recurrent layer's per-item input shape `[T, F]`.
    static func validate(inputShape: [Int], layer: String) throws -> (steps: Int, features: Int) {
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0 else {
            throw TrainError.invalidLayer(layer: "layer \'\(layer)\'", reason: "input shape must be [timeSteps, features], found \(inputShape)")
        }
        return (inputShape[0], inputShape[1])
    }

    /// Returns a tensor of shape `[1, T, F]` for the operator input, inserting a reshape when
    /// the incoming tensor has the same element count but another shape (e.g. flattened).
    static func exportInput(to builder: inout ModelBuilder, input: Int, steps: Int, features: Int,
                            layer: String) throws -> Int {
        let shape = builder.tensors[input].shape
        let expected = [1, steps, features]
        if shape == expected { return input }
        guard shape.reduce(1, *) == steps * features else {
            throw TrainError.exportFailed(layer: "layer \'\(layer)\'", reason: "export input tensor '\(builder.tensors[input].name)' has shape \(shape), expected \(expected)")
        }
        let reshaped = builder.addTensor(name: "\(layer)/input_reshape", shape: expected)
        builder.addOperator(.reshape, inputs: [input], outputs: [reshaped])
        return reshaped
    }
}

/// Variational dropout of a recurrent layer (Keras' `dropout` and `recurrent_dropout`): one
/// mask per sequence, shared by every time step and gate, drawn from the layer's own
/// generator. `dropout` masks the input features before the input projection;
/// `recurrentDropout` masks the previous hidden state before the recurrent projection only
/// (GRU's direct `z ⊙ h` path keeps the unmasked state, as in Keras). Survivors are scaled by
/// 1 / (1 − rate), so inference uses no mask.
struct RecurrentDropout {
    let inputRate: Float
    let recurrentRate: Float
    var generator = SeededGenerator(seed: 0)
    let inputMask = RecurrentBuffer()      // [N, F] when active
    let recurrentMask = RecurrentBuffer()  // [N, H] when active
    /// Whether the last forward used each mask (training with a positive rate).
    var inputActive = false
    var recurrentActive = false

    init(inputRate: Float, recurrentRate: Float) {
        precondition(inputRate >= 0 && inputRate < 1 && recurrentRate >= 0 && recurrentRate < 1,
                     "recurrent dropout rates must lie in [0, 1), found \(inputRate) and \(recurrentRate)")
        self.inputRate = inputRate
        self.recurrentRate = recurrentRate
    }

    var isEnabled: Bool { inputRate > 0 || recurrentRate > 0 }

    /// Draws this forward's masks (or none outside training), input mask first.
    mutating func prepare(training: Bool, batch: Int, features: Int, units: Int) {
        inputActive = training && inputRate > 0
        recurrentActive = training && recurrentRate > 0
        if inputActive { draw(into: inputMask.reserve(batch * features), count: batch * features, rate: inputRate) }
        if recurrentActive { draw(into: recurrentMask.reserve(batch * units), count: batch * units, rate: recurrentRate) }
    }

    /// Keep when a 24-bit uniform draw is at or above rate · 2^24 (as `Dropout`).
    private mutating func draw(into mask: UnsafeMutablePointer<Float>, count: Int, rate: Float) {
        let scale = 1 / (1 - rate)
        let threshold = UInt64((rate * Float(1 << 24)).rounded())
        for i in 0..<count { mask[i] = (generator.next() >> 40) >= threshold ? scale : 0 }
    }

    /// Multiplies time-major `[T, N, width]` rows by the per-item `[N, width]` mask.
    static func apply(_ mask: UnsafePointer<Float>, to values: UnsafeMutablePointer<Float>, steps: Int, batch: Int, width: Int) {
        for t in 0..<steps {
            for n in 0..<batch {
                let row = values + (t * batch + n) * width, m = mask + n * width
                for j in 0..<width { row[j] *= m[j] }
            }
        }
    }

    var trainingState: [LayerStateEntry] {
        isEnabled ? [LayerStateEntry(name: "dropout_generator", value: .words([generator.rawState]))] : []
    }
}
