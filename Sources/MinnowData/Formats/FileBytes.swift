import Foundation

/// Reading whole files, transparently gunzipping when they start with the gzip magic.
enum FileBytes {
    /// Reads `path` (memory-mapped when possible) and passes the raw bytes to `body`.
    static func withContents<R>(
        of path: String, _ body: (UnsafeRawBufferPointer) throws(DataError) -> R
    ) throws(DataError) -> R {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw DataError(.unreadableFile, file: path, "file \(reason)")
        }
        let result: Result<R, DataError> = data.withUnsafeBytes { bytes in
            do throws(DataError) { return .success(try body(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Reads `path`, decompressing it if it is gzip data (detected by the 1f 8b magic).
    static func decompressedContents(of path: String) throws(DataError) -> [UInt8] {
        try withContents(of: path) { (bytes) throws(DataError) -> [UInt8] in
            guard Gzip.isGzip(bytes) else { return Array(bytes) }
            do throws(CompressionError) {
                return try Gzip.decompress(bytes)
            } catch {
                throw DataError(.corruptCompressedData, file: path, "corrupt gzip data at \(error.description)")
            }
        }
    }
}
