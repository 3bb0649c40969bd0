import Foundation

/// Reading whole files, transparently gunzipping when they start with the gzip magic.
enum FileBytes {
    /// Reads `path` (memory-mapped when possible) and passes the raw bytes to `body`.
    ///
    /// Only regular files are read: a device such as /dev/zero, a FIFO or a directory has no
    /// size to check before reading and could feed bytes forever.
    static func withContents<R>(
        of path: String, _ body: (UnsafeRawBufferPointer) throws(DataError) -> R
    ) throws(DataError) -> R {
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            let kind = status.st_mode & S_IFMT
            let what = kind == S_IFDIR ? "a directory" : kind == S_IFCHR || kind == S_IFBLK ? "a device" : "not a regular file (a pipe or socket)"
            throw DataError(.unreadableFile, file: path, "file is \(what); save the data to a regular file first")
        }
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

    /// Reads `path`, decompressing it if it is gzip data (detected by the 1f 8b magic). A gzip
    /// file may expand to at most `limits.inflateAllowance(forCompressedBytes:)` bytes.
    static func decompressedContents(of path: String, limits: DataLimits) throws(DataError) -> [UInt8] {
        try withContents(of: path) { (bytes) throws(DataError) -> [UInt8] in
            guard Gzip.isGzip(bytes) else { return Array(bytes) }
            return try gunzip(bytes, path: path, maximumOutput: limits.inflateAllowance(forCompressedBytes: bytes.count),
                              limitAdvice: limits.expansionAdvice(compressedBytes: bytes.count))
        }
    }

    /// Decompresses the gzip file `bytes` read from `path`; `limitAdvice` completes the message
    /// when it would decompress to more than `maximumOutput` bytes.
    static func gunzip(_ bytes: UnsafeRawBufferPointer, path: String, maximumOutput: Int,
                       limitAdvice: String) throws(DataError) -> [UInt8] {
        do throws(CompressionError) {
            return try Gzip.decompress(bytes, maximumOutput: maximumOutput)
        } catch where error.kind == .outputLimitExceeded {
            throw DataError(.corruptCompressedData, file: path,
                            "gzip data decompresses to more than \(groupedDigits(maximumOutput)) bytes: \(limitAdvice)")
        } catch {
            throw DataError(.corruptCompressedData, file: path, "corrupt gzip data at \(error.description)")
        }
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `DataError` only (keeps the typed error).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(DataError) -> R) throws(DataError) -> R {
        let result: Result<R, DataError> = withUnsafeBytes { raw in
            do throws(DataError) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// A data file's bytes for readers outside this module, with this module's protections: regular
/// files only (no devices, FIFOs or directories), gzip decompressed within `limits`.
public enum DataFile {
    public static func contents(of path: String, limits: DataLimits = .fromEnvironment) throws(DataError) -> [UInt8] {
        try FileBytes.decompressedContents(of: path, limits: limits)
    }
}
