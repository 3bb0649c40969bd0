#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a crash or `kill -9` at any moment leaves either the old file or the
/// complete new one: write a temporary file beside the target, flush it to disk, rename it over.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw TrainError.unwritableFile(path: path, reason: "\(errorText()) (is the directory '\(directory.isEmpty ? "/" : directory)' present and writable?)")
        }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(fd) == 0
        }
        let failure = ok ? nil : errorText()
        close(fd)
        guard ok else {
            unlink(temporary)
            throw TrainError.unwritableFile(path: path, reason: "\(failure ?? "write failed") after \(written) of \(bytes.count) bytes")
        }
        guard rename(temporary, path) == 0 else {
            let text = errorText()
            unlink(temporary)
            throw TrainError.unwritableFile(path: path, reason: "cannot replace it: \(text)")
        }
        // Persist the rename itself.
        let dirFD = open(directory.isEmpty ? "/" : directory, O_RDONLY)
        if dirFD >= 0 { fsync(dirFD); close(dirFD) }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
