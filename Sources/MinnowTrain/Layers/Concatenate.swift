import MinnowRuntime

/// Joins its inputs along the last axis (Keras `Concatenate(axis=-1)`): every other axis must
/// match. The runtime has no concatenation operator yet, so export refuses with a typed error.
public final class Concatenate: MergeLayer {
    public var name: String
    public var kind: String { "Concatenate" }
    /// Last-axis size of each input.
    public private(set) var widths: [Int] = []
    private var leadingShape: [Int] = []

    public init(name: String = "concatenate") { self.name = name }

    public func build(inputShapes: [[Int]], generator: inout SeededGenerator) throws -> [Int] {
        guard inputShapes.count >= 2 else {
            throw TrainError.invalidLayer(layer: "Concatenate '\(name)'", reason: "needs at least two inputs, found \(inputShapes.count)")
        }
        let leading = Array(inputShapes[0].dropLast())
        guard inputShapes.allSatisfy({ !$0.isEmpty && Array($0.dropLast()) == leading }) else {
            throw TrainError.invalidLayer(
                layer: "Concatenate '\(name)'",
                reason: "inputs must agree on every axis but the last, found \(inputShapes.map { "\($0)" }.joined(separator: ", "))")
        }
        leadingShape = leading
        widths = inputShapes.map { $0[$0.count - 1] }
        return leading + [widths.reduce(0, +)]
    }

    public func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        precondition(inputs.count == widths.count, "Concatenate '\(name)': expected \(widths.count) inputs, found \(inputs.count)")
        let total = widths.reduce(0, +)
        let rows = inputs[0].count / widths[0]
        var output = [Float](repeating: 0, count: rows * total)
        output.withUnsafeMutableBufferPointer { y in
            var offset = 0
            for (input, width) in zip(inputs, widths) {
                precondition(input.count == rows * width, "Concatenate '\(name)': input \(input.shape) does not hold \(rows) rows of \(width)")
                input.data.withUnsafeBufferPointer { x in
                    for r in 0..<rows {
                        (y.baseAddress! + r * total + offset).update(from: x.baseAddress! + r * width, count: width)
                    }
                }
                offset += width
            }
        }
        return Tensor(shape: [inputs[0].batchSize] + leadingShape + [total], data: output)
    }

    public func backwardInputs(_ outputGradient: Tensor) -> [Tensor] {
        let total = widths.reduce(0, +)
        let rows = outputGradient.count / max(1, total)
        var offset = 0
        return outputGradient.data.withUnsafeBufferPointer { dy in
            widths.map { width in
                let part = uninitializedFloats(count: rows * width) { dx in
                    for r in 0..<rows { (dx + r * width).update(from: dy.baseAddress! + r * total + offset, count: width) }
                }
                offset += width
                return Tensor(shape: [outputGradient.batchSize] + leadingShape + [width], data: part)
            }
        }
    }

    public func export(to builder: inout ModelBuilder, inputs: [Int]) throws -> Int {
        throw TrainError.noRuntimeOperator(name, kind: "concat")
    }
}
