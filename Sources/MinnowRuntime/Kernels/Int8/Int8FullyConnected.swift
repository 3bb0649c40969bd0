/// int8 fully connected layer, batch 1: one `Int8Gemm.run` with `m = 1`.
///
/// `x` holds `k` int8 activations, `weights` the "n16k4" packed `[n, k]` matrix; `stage`
/// carries the folded bias and per-channel requantization (see `Int8Conventions`).
func fullyConnectedInt8(input x: UnsafePointer<Int8>, depth k: Int, packedWeights w: UnsafePointer<Int8>,
                        channels n: Int, stage: Int8OutputStage, output y: UnsafeMutablePointer<Int8>,
                        gemmScratch: UnsafeMutableRawPointer, gemmScratchBytes: Int) {
    Int8Gemm.run(m: 1, n: n, k: k, a: x, lda: k, packedWeights: w, output: stage, c: y, ldc: n,
                 scratch: gemmScratch, scratchBytes: gemmScratchBytes)
}
