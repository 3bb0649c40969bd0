import MinnowRuntime

/// Looks up a learned vector for every token id (Keras `Embedding(input_dim, output_dim)`):
/// `[N, T]` whole-number ids in `0..<vocabularySize` → `[N, T, dimension]`.
///
/// Ids arrive as floats (the trainer's tensors are float); training refuses data whose ids are
/// not whole numbers below the vocabulary size before the first step, naming the item. The
/// weights start uniform in [−0.05, 0.05], as Keras' default. The input gradient is zero
/// (ids are not differentiable). The runtime has no gather operator yet, so export refuses
/// with a typed error.
public final class Embedding: Layer {
    public var name: String
    public var kind: String { "Embedding" }
    public let vocabularySize: Int
    public let dimension: Int
    /// `[vocabularySize, dimension]`.
    public private(set) var embeddings: Parameter
    private var itemShape: [Int] = []
    private var cachedIDs: [Int32] = []

    public init(vocabularySize: Int, dimension: Int, name: String = "embedding") {
        precondition(vocabularySize > 0 && dimension > 0, "Embedding: vocabulary size and dimension must be positive")
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.name = name
        // Placeholder until build (as Dense does): an empty value needs an empty shape.
        embeddings = Parameter(name: "\(name)/embeddings", shape: [vocabularySize, 0], value: [], isRegularized: true)
    }

    public var parameters: [Parameter] { [embeddings] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw TrainError.invalidLayer(layer: "Embedding '\(name)'", reason: "needs token ids of a positive shape, e.g. [T], found \(inputShape)")
        }
        guard vocabularySize <= 1 << 24 else {
            throw TrainError.invalidLayer(layer: "Embedding '\(name)'",
                                          reason: "vocabulary size \(vocabularySize) exceeds 2^24, the largest whole number a float id holds exactly")
        }
        itemShape = inputShape
        embeddings = Parameter(
            name: "\(name)/embeddings", shape: [vocabularySize, dimension],
            value: (0..<(vocabularySize * dimension)).map { _ in generator.uniform(-0.05, 0.05) }, isRegularized: true)
        return inputShape + [dimension]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(!itemShape.isEmpty, "Embedding '\(name)': forward before build")
        let count = input.count
        let d = dimension
        var ids = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let id = input.data[i].rounded()
            precondition(id >= 0 && id < Float(vocabularySize), "Embedding '\(name)': token id \(input.data[i]) outside 0..<\(vocabularySize)")
            ids[i] = Int32(id)
        }
        let output = uninitializedFloats(count: count * d) { y in
            embeddings.value.withUnsafeBufferPointer { w in
                for i in 0..<count { (y + i * d).update(from: w.baseAddress! + Int(ids[i]) * d, count: d) }
            }
        }
        cachedIDs = ids
        return Tensor(shape: input.shape + [d], data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        let d = dimension
        precondition(outputGradient.count == cachedIDs.count * d, "Embedding '\(name)': backward before forward or shape mismatch")
        // Rows accumulate in item order, so repeated ids sum deterministically.
        embeddings.gradient.withUnsafeMutableBufferPointer { dw in
            outputGradient.data.withUnsafeBufferPointer { dy in
                for (i, id) in cachedIDs.enumerated() {
                    let row = dw.baseAddress! + Int(id) * d, g = dy.baseAddress! + i * d
                    for j in 0..<d { row[j] += g[j] }
                }
            }
        }
        return Tensor(zeros: Array(outputGradient.shape.dropLast()))
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        throw TrainError.noRuntimeOperator(name, kind: "embedding")
    }
}
