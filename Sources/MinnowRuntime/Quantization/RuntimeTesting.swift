/// Switches for tests and parity tools. Both are off in normal use and cost one load of a
/// global in the int8 GEMM dispatch and in the scalar requantization (no exclusivity check:
/// tests set them only while no inference runs).
public enum RuntimeTesting {
    /// Run the plain reference twin of the int8 GEMM instead of the optimized micro-kernels,
    /// for cross-engine checks (`minnow parity --check-reference`).
    @exclusivity(unchecked) nonisolated(unsafe) public static var usesReferenceKernels = false

    /// A deliberate fault: requantization truncates instead of rounding (and the GEMM runs its
    /// reference twin, where that rounding lives). Parity tests turn it on to prove they fail.
    @exclusivity(unchecked) nonisolated(unsafe) public static var breaksRounding = false
}
