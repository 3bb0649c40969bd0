import CMinnowKernels
import Synchronization

/// Vectorized elementwise transcendental functions for activation layers (C kernels in
/// `CMinnowKernels`, AVX-512 / AVX2 / scalar chosen at run time; all give identical bits).
///
/// Accuracy (Cephes polynomials; checked in tests against double-precision Foundation):
/// max relative error `exp` ≤ 1.2e-7 (measured 8e-8) for normal results, gradual underflow
/// to subnormals / 0 below ≈ -87.3 and +inf above ≈ 88.72; `sigmoid` and `tanh` ≤ 2.4e-7
/// (measured 1.5e-7 and 1.2e-7), i.e. within 2 ULP.
/// NaN inputs give NaN. `x` and `y` may be the same buffer (in place) but must not
/// overlap partially.
public enum VectorMath {
    /// Kernel family used here; defaults to the best one the CPU supports.
    public static var backend: KernelBackend {
        get { KernelBackend(rawValue: backendSetting.load(ordering: .relaxed)) ?? .scalar }
        set { backendSetting.store(newValue.rawValue, ordering: .relaxed) }
    }
    private static let backendSetting = Atomic<Int32>(KernelBackend.best.rawValue)

    /// `y[i] = eˣ⁽ⁱ⁾` for `i < count`.
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count >= 0, "VectorMath.exp: negative count \(count)")
        minnow_vexp(backend.rawValue, x, y, count)
    }

    /// `y[i] = 1 / (1 + e⁻ˣ⁽ⁱ⁾)` for `i < count`; keeps full relative accuracy for tiny results.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count >= 0, "VectorMath.sigmoid: negative count \(count)")
        minnow_vsigmoid(backend.rawValue, x, y, count)
    }

    /// `y[i] = tanh(x[i])` for `i < count`.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count >= 0, "VectorMath.tanh: negative count \(count)")
        minnow_vtanh(backend.rawValue, x, y, count)
    }

    /// Array form of `exp(_:_:count:)`.
    public static func exp(_ x: [Float]) -> [Float] { map(x, exp) }

    /// Array form of `sigmoid(_:_:count:)`.
    public static func sigmoid(_ x: [Float]) -> [Float] { map(x, sigmoid) }

    /// Array form of `tanh(_:_:count:)`.
    public static func tanh(_ x: [Float]) -> [Float] { map(x, tanh) }

    private static func map(
        _ x: [Float],
        _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> [Float] {
        [Float](unsafeUninitializedCapacity: x.count) { y, initialized in
            x.withUnsafeBufferPointer { xs in
                if let xp = xs.baseAddress, let yp = y.baseAddress { kernel(xp, yp, x.count) }
            }
            initialized = x.count
        }
    }
}
