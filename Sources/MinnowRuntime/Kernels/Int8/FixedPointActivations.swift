/// Fixed-point logistic and tanh for the int8 recurrent kernels (see `Int8LSTMKernel` for the
/// whole fixed-point contract).
///
/// Inputs are `Int32` in Q.12 (real = z / 4096); outputs are `Int32` in Q0.15 (real = y / 32768).
/// Both read one table, `sigmoidTable[i] = round(32768 · σ(i / 16))` for `i` in 0…256 (σ on
/// [0, 16] in steps of 1/16), with linear interpolation between entries:
///
///     a = min(|z|, 65535);  i = a >> 8;  f = a & 255
///     y = T[i] + ((T[i+1] − T[i]) · f + 128) >> 8          (σ̂ of |z|, in [16384, 32768])
///     σ̂(z) = z < 0 ? 32768 − y : y
///     τ̂(z) = 2 · σ̂(2z) − 32768                           (tanh z = 2σ(2z) − 1)
///
/// Inputs beyond ±16 (σ̂) or ±8 (τ̂) saturate. Max error against the exact functions, measured
/// by the tests: about 2e-5 for σ̂ and 5e-5 for τ̂ (a few Q0.15 steps). The table is 514 bytes of
/// read-only data; interpolation costs one multiply.
public enum FixedPointActivations {
    /// Entries of `sigmoidTable`, one per 1/16 of input from 0 to 16.
    public static let tableCount = 257

    /// `round(32768 · σ(i / 16))` for `i` in 0…256.
    public static let sigmoidTable: [UInt16] = [
        16384, 16896, 17407, 17916, 18421, 18923, 19420, 19912, 20397, 20874, 21344, 21804, 22255, 22696, 23127, 23547,
        23955, 24352, 24737, 25110, 25471, 25819, 26155, 26479, 26790, 27090, 27377, 27653, 27917, 28169, 28411, 28642,
        28862, 29072, 29272, 29462, 29644, 29816, 29979, 30135, 30282, 30422, 30555, 30680, 30799, 30912, 31018, 31119,
        31214, 31304, 31389, 31469, 31545, 31616, 31684, 31747, 31807, 31864, 31917, 31968, 32015, 32060, 32102, 32141,
        32179, 32214, 32247, 32278, 32307, 32335, 32361, 32385, 32408, 32430, 32450, 32469, 32487, 32504, 32520, 32535,
        32549, 32562, 32574, 32586, 32597, 32607, 32617, 32626, 32635, 32643, 32650, 32657, 32664, 32670, 32676, 32682,
        32687, 32692, 32696, 32701, 32705, 32709, 32712, 32716, 32719, 32722, 32725, 32727, 32730, 32732, 32734, 32736,
        32738, 32740, 32742, 32743, 32745, 32746, 32747, 32749, 32750, 32751, 32752, 32753, 32754, 32755, 32756, 32756,
        32757, 32758, 32758, 32759, 32759, 32760, 32760, 32761, 32761, 32762, 32762, 32762, 32763, 32763, 32763, 32764,
        32764, 32764, 32764, 32765, 32765, 32765, 32765, 32765, 32766, 32766, 32766, 32766, 32766, 32766, 32766, 32766,
        32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767,
        32767, 32767, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
        32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
        32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
        32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
        32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
        32768
    ]

    /// σ̂(z): Q.12 in, Q0.15 out (0…32768). `table` points at `sigmoidTable`.
    @inline(__always)
    public static func sigmoid(_ z: Int32, table: UnsafePointer<UInt16>) -> Int32 {
        let a = min(z.magnitude, 65535)
        let i = Int(a &>> 8)
        let f = Int32(a & 255)
        let t0 = Int32(table[i])
        let y = t0 &+ (((Int32(table[i &+ 1]) &- t0) &* f &+ 128) &>> 8)
        return z < 0 ? 32768 &- y : y
    }

    /// τ̂(z) = 2σ̂(2z) − 32768: Q.12 in (|z| ≤ 2^30), Q0.15 out (−32768…32768).
    @inline(__always)
    public static func tanh(_ z: Int32, table: UnsafePointer<UInt16>) -> Int32 {
        (sigmoid(z &<< 1, table: table) &<< 1) &- 32768
    }

    /// σ̂ without a table pointer (tests and one-off use).
    public static func sigmoid(_ z: Int32) -> Int32 {
        sigmoidTable.withUnsafeBufferPointer { sigmoid(z, table: $0.baseAddress.unsafelyUnwrapped) }
    }

    /// τ̂ without a table pointer (tests and one-off use).
    public static func tanh(_ z: Int32) -> Int32 {
        sigmoidTable.withUnsafeBufferPointer { tanh(z, table: $0.baseAddress.unsafelyUnwrapped) }
    }
}
