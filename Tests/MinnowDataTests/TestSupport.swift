import Foundation
import XCTest

/// A small deterministic generator (SplitMix64) so that test data is reproducible.
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "minnow-data-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let url = URL(fileURLWithPath: file(name))
        try Data(bytes).write(to: url)
        return url.path
    }
    func write(_ text: String, to name: String) throws -> String {
        try write(Array(text.utf8), to: name)
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs an executable found on PATH; returns stdout, or nil if it is not installed.
func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: Data)? {
    let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    guard let executable = searchPath.split(separator: ":").map({ "\($0)/\(name)" })
        .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// Compresses `bytes` with the system `gzip` tool at `level` (1...9).
func systemGzip(_ bytes: [UInt8], level: Int, in directory: TemporaryDirectory) throws -> [UInt8] {
    let input = try directory.write(bytes, to: "input-\(UUID().uuidString)")
    guard let result = try runTool("gzip", ["-c", "-\(level)", input]) else {
        throw XCTSkip("the gzip tool is not installed")
    }
    XCTAssertEqual(result.status, 0, "gzip failed")
    return [UInt8](result.output)
}

/// Builds a DEFLATE bit stream by hand: values LSB first, Huffman codes MSB first.
struct BitWriter {
    var bytes: [UInt8] = []
    var bitCount = 0
    mutating func write(_ value: Int, bits: Int) {
        for bit in 0..<bits {
            if bitCount % 8 == 0 { bytes.append(0) }
            if (value >> bit) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
            bitCount += 1
        }
    }
    mutating func writeCode(_ code: Int, bits: Int) {
        for bit in stride(from: bits - 1, through: 0, by: -1) { write((code >> bit) & 1, bits: 1) }
    }
}
