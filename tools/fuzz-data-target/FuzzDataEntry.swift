// libFuzzer entry for the MinnowData readers: NumPy .npy, CSV, IDX (raw or gzip) and
// gzip/DEFLATE.
//
// Compiled by tools/fuzz-data together with every file of Sources/MinnowData into one module
// (swiftc -sanitize=fuzzer,address -O: AddressSanitizer, and Swift's overflow and bounds traps
// stay on, unlike the -Ounchecked release build), so internal entry points that read bytes from
// memory instead of a file are reachable. Not a SwiftPM target: libFuzzer supplies `main`.
//
// The reader under test comes from MINNOW_FUZZ_FORMAT (npy, csv, idx or gzip). Each input is
// copied into a buffer of exactly its size (ASan then flags any read past the end) and handed
// to the reader with small limits, so a hostile size is refused quickly; whatever loads is then
// used the way a command would use it (every value converted, labels read).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// SwiftPM generates `Bundle.module` for MinnowData's resources; this build has none.
extension Bundle {
    static var module: Bundle { .main }
}

/// Small limits: a reader must refuse a hostile size before allocating, so the fuzzer never
/// needs much memory; `-rss_limit_mb` and `-malloc_limit_mb` catch any that do not.
let fuzzLimits = DataLimits(maximumExpansion: 64, minimumInflateAllowance: 1 << 20, maximumValues: 1 << 20)

enum FuzzFormat: String, CaseIterable {
    case npy, csv, idx, gzip
}

nonisolated(unsafe) var fuzzFormat = FuzzFormat.npy

@_cdecl("LLVMFuzzerInitialize")
public func minnowDataFuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let name = getenv("MINNOW_FUZZ_FORMAT").map({ String(cString: $0) }), let format = FuzzFormat(rawValue: name) else {
        print("set MINNOW_FUZZ_FORMAT to one of: \(FuzzFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        exit(2)
    }
    fuzzFormat = format
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func minnowDataFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
    defer { buffer.deallocate() }
    if let data, size > 0 { buffer.copyMemory(from: UnsafeRawBufferPointer(start: data, count: size)) }
    let input = UnsafeRawBufferPointer(start: buffer.baseAddress, count: size)
    exercise(fuzzFormat, input)
    return 0
}

/// Runs one reader over `input`; errors are the expected outcome for most inputs.
func exercise(_ format: FuzzFormat, _ input: UnsafeRawBufferPointer) {
    switch format {
    case .npy:
        guard let array = try? NumpyReader.parse(input, source: "fuzz.npy", limits: fuzzLimits) else { return }
        precondition(array.data.count == array.elementCount * array.elementType.byteCount, "size check let a mismatch through")
        let values = array.floatValues(scaleBytesToUnitRange: true)
        precondition(values.count == array.elementCount)
        _ = try? array.labelValues(source: "fuzz.npy")
    case .csv:
        let options = CSVOptions(labelColumn: input.first.map { $0 & 1 == 0 ? .automatic : .index(Int($0 >> 1) % 4) } ?? .automatic)
        guard let dataset = try? CSVReader.decode(input, source: "fuzz.csv", options: options, itemShape: nil, limits: fuzzLimits)
        else { return }
        precondition(dataset.features.count == dataset.count * dataset.itemSize, "rows and features disagree")
        precondition(dataset.features.allSatisfy(\.isFinite), "a non-finite feature was accepted")
        precondition(dataset.labels.allSatisfy { $0 >= 0 }, "a negative label was accepted")
    case .idx:
        guard let array = try? IDXReader.decode(input, source: "fuzz-idx", limits: fuzzLimits) else { return }
        precondition(array.dimensions.reduce(1, *) == array.bytes.count, "dimensions and data disagree")
        _ = LabeledDataset.unitScaled(array.bytes)
    case .gzip:
        let limit = 1 << 20
        if let output = try? Gzip.decompress(input, maximumOutput: limit) {
            precondition(output.count <= limit, "the output limit was exceeded")
        }
        if let prefix = try? Gzip.decompressedPrefix(input, count: 16) {
            precondition(prefix.count <= 16, "the prefix is longer than asked")
        }
        if let output = try? Inflate.decompress(Array(input), maximumOutput: limit) {
            precondition(output.count <= limit, "the output limit was exceeded")
        }
    }
}
