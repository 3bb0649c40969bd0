/// GPTQ / OBQ-style rounding of per-channel symmetric int8 weights (Frantar et al., 2022).
///
/// Nearest rounding minimizes each weight's own error; what matters is the layer output error
/// `E[((W_q − W)·x)²] = eᵀ H e` with `H = E[x xᵀ]` over the layer's calibration inputs. GPTQ
/// quantizes one input column at a time and spreads that column's error over the columns not
/// yet quantized, weighted by the inverse Hessian, so correlated inputs cancel each other's
/// rounding errors. Scales stay those of nearest rounding (`max|w|/127`), so the file layout,
/// size and runtime conventions do not change; only the integer values differ.
///
/// Cholesky formulation: with `U` the upper Cholesky factor of `H⁻¹` (`H⁻¹ = Uᵀ U`), column
/// `i`'s error `(w_i − q_i)/U[i,i]` updates `w_j −= err · U[i,j]` for `j > i`. When `H` is a
/// multiple of the identity `U` is diagonal, nothing is propagated and the result is exactly
/// nearest rounding.
public enum GPTQRounding {
    /// Quantizes `weights` (`rows × depth`, row-major: output channel × input) against the
    /// input second-moment matrix `hessian` (`depth × depth`, row-major, symmetric).
    /// - Parameters:
    ///   - scales: one scale per row (zero point 0, values clamped to −127…127).
    ///   - dampening: added to the diagonal as a fraction of its mean (numerical stability).
    ///   - descendingOrder: quantize columns in order of decreasing `H[i,i]` ("act-order").
    /// - Returns: the int8 values in the input layout.
    public static func quantize(weights: [Float], rows: Int, depth: Int, hessian: [Double], scales: [Float],
                                dampening: Double = 0.01, descendingOrder: Bool = true) -> [Int8] {
        precondition(weights.count == rows * depth && hessian.count == depth * depth && scales.count == rows,
                     "GPTQRounding: weights \(weights.count) / hessian \(hessian.count) / scales \(scales.count) do not fit \(rows)×\(depth)")
        let k = depth
        // Column order: the most active inputs first (their errors get compensated by the most columns).
        var order = Array(0..<k)
        if descendingOrder { order.sort { (hessian[$0 * k + $0], $1) > (hessian[$1 * k + $1], $0) } }
        // Permuted H (double), with dead inputs made harmless and dampening added.
        var h = [Double](repeating: 0, count: k * k)
        var meanDiagonal = 0.0
        for i in 0..<k { meanDiagonal += hessian[order[i] * k + order[i]] }
        meanDiagonal = max(meanDiagonal / Double(max(k, 1)), 1e-12)
        for i in 0..<k {
            for j in 0..<k { h[i * k + j] = hessian[order[i] * k + order[j]] }
            if h[i * k + i] <= 0 { h[i * k + i] = meanDiagonal }
            h[i * k + i] += dampening * meanDiagonal
        }
        guard let u = upperCholeskyOfInverse(&h, k) else {
            // Not positive definite even after dampening: fall back to nearest rounding.
            return ChannelQuantizedWeights(weights: weights, shape: [rows, depth], axis: 0).values
        }
        // Work on a permuted double copy, rows × k.
        var w = [Double](repeating: 0, count: rows * k)
        for r in 0..<rows { for i in 0..<k { w[r * k + i] = Double(weights[r * depth + order[i]]) } }
        var result = [Int8](repeating: 0, count: rows * depth)
        w.withUnsafeMutableBufferPointer { wp in
            u.withUnsafeBufferPointer { up in
                result.withUnsafeMutableBufferPointer { out in
                    let wBase = wp.baseAddress!, uBase = up.baseAddress!
                    for r in 0..<rows {
                        let s = Double(scales[r])
                        let row = wBase + r * k
                        for i in 0..<k {
                            let q = min(max((row[i] / s).rounded(), -127), 127)
                            out[r * depth + order[i]] = Int8(q)
                            let err = (row[i] - q * s) / uBase[i * k + i]
                            if err == 0 { continue }
                            let uRow = uBase + i * k
                            for j in (i + 1)..<max(k, i + 1) { row[j] -= err * uRow[j] }
                        }
                    }
                }
            }
        }
        return result
    }

    /// `U` upper triangular with `H⁻¹ = Uᵀ U`, for a symmetric positive definite `H` (`n × n`,
    /// overwritten). `nil` when `H` is not positive definite.
    static func upperCholeskyOfInverse(_ h: inout [Double], _ n: Int) -> [Double]? {
        // H = L Lᵀ (lower L, in place).
        guard choleskyLower(&h, n) else { return nil }
        // L⁻¹ (lower), by forward substitution column by column.
        var inv = [Double](repeating: 0, count: n * n)
        h.withUnsafeBufferPointer { lp in
            inv.withUnsafeMutableBufferPointer { ip in
                let l = lp.baseAddress!, x = ip.baseAddress!
                for i in 0..<n {
                    x[i * n + i] = 1 / l[i * n + i]
                    for j in 0..<i {
                        var sum = 0.0
                        for m in j..<i { sum += l[i * n + m] * x[m * n + j] }
                        x[i * n + j] = -sum / l[i * n + i]
                    }
                }
            }
        }
        // H⁻¹ = L⁻ᵀ L⁻¹: (H⁻¹)[i,j] = Σ_m L⁻¹[m,i] L⁻¹[m,j], m ≥ max(i,j).
        var hinv = [Double](repeating: 0, count: n * n)
        inv.withUnsafeBufferPointer { ip in
            hinv.withUnsafeMutableBufferPointer { hp in
                let x = ip.baseAddress!, y = hp.baseAddress!
                for m in 0..<n {
                    let row = x + m * n
                    for i in 0...m {
                        let a = row[i]
                        if a == 0 { continue }
                        let out = y + i * n
                        for j in i...m { out[j] += a * row[j] }
                    }
                }
                for i in 0..<n { for j in 0..<i { y[i * n + j] = y[j * n + i] } }
            }
        }
        // H⁻¹ = Uᵀ U: U = transpose of the lower Cholesky factor.
        guard choleskyLower(&hinv, n) else { return nil }
        var u = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { u[i * n + j] = hinv[j * n + i] } }
        return u
    }

    /// In-place lower Cholesky factor of a symmetric positive definite matrix (upper part zeroed).
    static func choleskyLower(_ a: inout [Double], _ n: Int) -> Bool {
        a.withUnsafeMutableBufferPointer { ap in
            let m = ap.baseAddress!
            for j in 0..<n {
                var d = m[j * n + j]
                for k in 0..<j { d -= m[j * n + k] * m[j * n + k] }
                guard d > 0, d.isFinite else { return false }
                let ljj = d.squareRoot()
                m[j * n + j] = ljj
                for i in (j + 1)..<max(n, j + 1) {
                    var s = m[i * n + j]
                    let ri = m + i * n, rj = m + j * n
                    for k in 0..<j { s -= ri[k] * rj[k] }
                    m[i * n + j] = s / ljj
                }
                for k in (j + 1)..<max(n, j + 1) { m[j * n + k] = 0 }
            }
            return true
        }
    }
}
