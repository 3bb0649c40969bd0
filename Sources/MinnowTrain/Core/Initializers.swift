/// Weight initializers matching Keras' defaults.
public enum Initializer {
    /// Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fanIn + fanOut)).
    public static func glorotUniform(count: Int, fanIn: Int, fanOut: Int, generator: inout SeededGenerator) -> [Float] {
        let limit = (6 / Float(fanIn + fanOut)).squareRoot()
        return (0..<count).map { _ in generator.uniform(-limit, limit) }
    }

    /// He uniform: U(−l, l) with l = √(6 / fanIn).
    public static func heUniform(count: Int, fanIn: Int, generator: inout SeededGenerator) -> [Float] {
        let limit = (6 / Float(fanIn)).squareRoot()
        return (0..<count).map { _ in generator.uniform(-limit, limit) }
    }

    /// A `rows × columns` matrix with orthonormal rows (or columns, whichever are fewer),
    /// by Gram–Schmidt on a Gaussian matrix. Keras uses this for recurrent kernels.
    public static func orthogonal(rows: Int, columns: Int, generator: inout SeededGenerator) -> [Float] {
        let transposed = rows > columns
        let r = transposed ? columns : rows
        let c = transposed ? rows : columns
        var m = (0..<(r * c)).map { _ in generator.normal() }
        for i in 0..<r {
            for j in 0..<i {
                var dot: Float = 0
                for t in 0..<c { dot += m[i * c + t] * m[j * c + t] }
                for t in 0..<c { m[i * c + t] -= dot * m[j * c + t] }
            }
            var norm: Float = 0
            for t in 0..<c { norm += m[i * c + t] * m[i * c + t] }
            norm = max(norm.squareRoot(), 1e-12)
            for t in 0..<c { m[i * c + t] /= norm }
        }
        if !transposed { return m }
        var out = [Float](repeating: 0, count: rows * columns)
        for i in 0..<r { for j in 0..<c { out[j * columns + i] = m[i * c + j] } }
        return out
    }
}
