import MinnowRuntime
import XCTest

/// Every optimized int8 spatial kernel path (`.portable` Swift, `.native` C with SIMD) must give
/// the bytes of the plain `.reference` twin, and the reference must match an independent
/// computation written here from the operator definitions.
final class Int8KernelTwinTests: XCTestCase {
    /// A random window geometry with Keras padding rules (odd sizes, strides up to 3).
    func randomGeometry(_ rng: inout IntRandom, channels: Int) -> WindowGeometry {
        while true {
            let h = rng.int(1...13), w = rng.int(1...13)
            let kh = rng.int(1...4), kw = rng.int(1...4)
            let sh = rng.int(1...3), sw = rng.int(1...3)
            let padding: Padding = rng.int(0...1) == 0 ? .same : .valid
            guard let rows = AxisGeometry(input: h, kernel: kh, stride: sh, padding: padding),
                  let cols = AxisGeometry(input: w, kernel: kw, stride: sw, padding: padding) else { continue }
            return WindowGeometry(inputHeight: h, inputWidth: w, channels: channels, kernelHeight: kh,
                                      kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                                      outputHeight: rows.outputSize, outputWidth: cols.outputSize,
                                      padTop: rows.padBefore, padLeft: cols.padBefore)
        }
    }

    /// Channel counts that hit every vector width and tail: scalar, 16-lane, 64-lane masked.
    let channelCounts = [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 130]

    /// Pooling computed from the definition: cells inside the input, max or average rounded
    /// half away from zero, clamped.
    func expectedPool(_ x: [Int8], _ g: WindowGeometry, isMax: Bool, lower: Int, upper: Int) -> [Int8] {
        var out: [Int8] = []
        for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth { for ch in 0..<g.channels {
            var cells: [Int] = []
            for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                let iy = oy * g.strideHeight - g.padTop + ky, ix = ox * g.strideWidth - g.padLeft + kx
                if iy >= 0, iy < g.inputHeight, ix >= 0, ix < g.inputWidth {
                    cells.append(Int(x[(iy * g.inputWidth + ix) * g.channels + ch]))
                }
            } }
            let value = isMax ? cells.max()! : Int((Double(cells.reduce(0, +)) / Double(cells.count)).rounded())
            out.append(Int8(min(max(value, lower), upper)))
        } } }
        return out
    }

    func pool(_ path: KernelPath, _ x: [Int8], _ g: WindowGeometry, isMax: Bool, lower: Int32,
              upper: Int32) -> [Int8] {
        var y = [Int8](repeating: 99, count: g.outputHeight * g.outputWidth * g.channels)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                Int8Pooling.run(path, input: xb.baseAddress!, output: yb.baseAddress!, geometry: g,
                                        isMax: isMax, lower: lower, upper: upper)
            }
        }
        return y
    }

    func testPoolingPathsMatchReferenceByteForByte() {
        var rng = IntRandom(seed: 71)
        for trial in 0..<240 {
            let g = randomGeometry(&rng, channels: channelCounts[trial % channelCounts.count])
            let isMax = trial % 3 != 2
            let lower = Int32(rng.int(-128...(-60))), upper = Int32(rng.int(40...127))
            let x = rng.int8s(g.inputHeight * g.inputWidth * g.channels)
            let reference = pool(.reference, x, g, isMax: isMax, lower: lower, upper: upper)
            if trial < 40 {
                XCTAssertEqual(reference, expectedPool(x, g, isMax: isMax, lower: Int(lower), upper: Int(upper)),
                               "reference vs definition, trial \(trial) \(g)")
            }
            for path in KernelPath.available.filter { $0 != .reference } {
                XCTAssertEqual(pool(path, x, g, isMax: isMax, lower: lower, upper: upper), reference,
                               "\(path) pool max=\(isMax) trial \(trial) \(g)")
            }
        }
    }

    /// Without leading padding the interpreter pools in place (output over input); every path
    /// must still give the out-of-place bytes.
    func testInPlacePoolingMatchesOutOfPlace() {
        var rng = IntRandom(seed: 72)
        var checked = 0
        for trial in 0..<400 where checked < 120 {
            let g = randomGeometry(&rng, channels: channelCounts[trial % channelCounts.count])
            guard g.padTop == 0, g.padLeft == 0 else { continue }
            checked += 1
            let isMax = trial % 2 == 0
            let x = rng.int8s(g.inputHeight * g.inputWidth * g.channels)
            let expected = pool(.reference, x, g, isMax: isMax, lower: -128, upper: 127)
            for path in KernelPath.available {
                var buffer = x
                buffer.withUnsafeMutableBufferPointer { b in
                    Int8Pooling.run(path, input: UnsafePointer(b.baseAddress!), output: b.baseAddress!,
                                            geometry: g, isMax: isMax, lower: -128, upper: 127)
                }
                XCTAssertEqual(Array(buffer.prefix(expected.count)), expected, "in-place \(path) trial \(trial) \(g)")
            }
        }
        XCTAssertGreaterThan(checked, 50)
    }

    /// 2×2 stride-2 max pooling (the C kernels vectorize it across pixels for 16 and 32 channels):
    /// odd and even sizes, "valid" and "same" (a trailing padded column or row), out of place and
    /// in place, against the definition.
    func testDownsamplingMaxPoolMatchesDefinition() {
        var rng = IntRandom(seed: 75)
        for trial in 0..<120 {
            let c = [16, 32, 16, 32, 7, 48, 64, 100][trial % 8]
            let h = rng.int(2...17), w = rng.int(2...17)
            let padding: Padding = trial % 3 == 0 ? .valid : .same
            let rows = AxisGeometry(input: h, kernel: 2, stride: 2, padding: padding)!
            let cols = AxisGeometry(input: w, kernel: 2, stride: 2, padding: padding)!
            let g = WindowGeometry(inputHeight: h, inputWidth: w, channels: c, kernelHeight: 2, kernelWidth: 2,
                                       strideHeight: 2, strideWidth: 2, outputHeight: rows.outputSize,
                                       outputWidth: cols.outputSize, padTop: rows.padBefore, padLeft: cols.padBefore)
            let lower = Int32(rng.int(-128...0)), upper = Int32(rng.int(0...127))
            let x = rng.int8s(h * w * c)
            let expected = expectedPool(x, g, isMax: true, lower: Int(lower), upper: Int(upper))
            for path in KernelPath.available {
                XCTAssertEqual(pool(path, x, g, isMax: true, lower: lower, upper: upper), expected,
                               "\(path) trial \(trial) \(g)")
                guard g.padTop == 0 && g.padLeft == 0 else { continue }
                var buffer = x
                buffer.withUnsafeMutableBufferPointer { b in
                    Int8Pooling.run(path, input: UnsafePointer(b.baseAddress!), output: b.baseAddress!,
                                            geometry: g, isMax: true, lower: lower, upper: upper)
                }
                XCTAssertEqual(Array(buffer.prefix(expected.count)), expected, "in place \(path) trial \(trial) \(g)")
            }
        }
    }

    /// The patch rows of output pixels first..<first+count from the definition.
    func expectedIm2col(_ x: [Int8], _ g: WindowGeometry, first: Int, count: Int, pad: Int8) -> [Int8] {
        var out: [Int8] = []
        for p in first..<(first + count) {
            let oy = p / g.outputWidth, ox = p % g.outputWidth
            for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth { for ch in 0..<g.channels {
                let iy = oy * g.strideHeight - g.padTop + ky, ix = ox * g.strideWidth - g.padLeft + kx
                let inside = iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth
                out.append(inside ? x[(iy * g.inputWidth + ix) * g.channels + ch] : pad)
            } } }
        }
        return out
    }

    func testIm2colPathsMatchReferenceByteForByte() {
        var rng = IntRandom(seed: 73)
        for trial in 0..<300 {
            let g = randomGeometry(&rng, channels: [1, 1, 2, 3, 4, 8, 16, 17, 32, 33][trial % 10])
            let pixels = g.outputHeight * g.outputWidth
            let first = rng.int(0...(pixels - 1))
            let count = rng.int(1...(pixels - first))
            let pad = Int8(rng.int(-128...127))
            let x = rng.int8s(g.inputHeight * g.inputWidth * g.channels)
            let depth = g.kernelHeight * g.kernelWidth * g.channels
            func run(_ path: KernelPath) -> [Int8] {
                // One guard byte past the block catches writes beyond it.
                var out = [Int8](repeating: 77, count: count * depth + 1)
                x.withUnsafeBufferPointer { xb in
                    out.withUnsafeMutableBufferPointer { ob in
                        Int8Convolution.im2col(path, input: xb.baseAddress!, geometry: g, firstPixel: first,
                                                  pixels: count, padValue: pad, output: ob.baseAddress!)
                    }
                }
                return out
            }
            let reference = run(.reference)
            XCTAssertEqual(reference.last, 77, "reference wrote past the block")
            if trial < 60 {
                XCTAssertEqual(Array(reference.dropLast()), expectedIm2col(x, g, first: first, count: count, pad: pad),
                               "reference vs definition, trial \(trial) \(g)")
            }
            for path in KernelPath.available.filter { $0 != .reference } {
                XCTAssertEqual(run(path), reference, "\(path) im2col trial \(trial) first \(first) count \(count) \(g)")
            }
        }
    }

    /// The CNN preset's shapes: 28×28×1 and 14×14×16 3×3 same convolutions, 2×2 pools.
    func testPresetShapesMatchReference() {
        var rng = IntRandom(seed: 74)
        for (h, c) in [(28, 1), (14, 16)] {
            let g = WindowGeometry(inputHeight: h, inputWidth: h, channels: c, kernelHeight: 3, kernelWidth: 3,
                                       strideHeight: 1, strideWidth: 1, outputHeight: h, outputWidth: h,
                                       padTop: 1, padLeft: 1)
            let x = rng.int8s(h * h * c)
            let expected = expectedIm2col(x, g, first: 0, count: h * h, pad: -5)
            for path in KernelPath.available {
                var out = [Int8](repeating: 0, count: expected.count)
                x.withUnsafeBufferPointer { xb in
                    out.withUnsafeMutableBufferPointer { ob in
                        Int8Convolution.im2col(path, input: xb.baseAddress!, geometry: g, firstPixel: 0,
                                                  pixels: h * h, padValue: -5, output: ob.baseAddress!)
                    }
                }
                XCTAssertEqual(out, expected, "im2col \(path) \(h)x\(h)x\(c)")
            }
        }
        for (h, c) in [(28, 16), (14, 32)] {
            let g = WindowGeometry(inputHeight: h, inputWidth: h, channels: c, kernelHeight: 2, kernelWidth: 2,
                                       strideHeight: 2, strideWidth: 2, outputHeight: h / 2, outputWidth: h / 2,
                                       padTop: 0, padLeft: 0)
            let x = rng.int8s(h * h * c)
            let expected = expectedPool(x, g, isMax: true, lower: -20, upper: 127)
            for path in KernelPath.available {
                XCTAssertEqual(pool(path, x, g, isMax: true, lower: -20, upper: 127), expected, "pool \(path) \(h)x\(h)x\(c)")
            }
        }
    }
}
