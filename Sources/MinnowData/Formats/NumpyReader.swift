/// An array read from a NumPy `.npy` file: element type, shape and raw little-endian data.
public struct NumpyArray: Sendable {
    /// The supported dtypes (`descr` strings as written by NumPy on little-endian machines).
    public enum ElementType: String, CaseIterable, Sendable {
        case float32 = "<f4"
        case float64 = "<f8"
        case uint8 = "|u1"
        case int8 = "|i1"
        case int32 = "<i4"
        case int64 = "<i8"

        public var byteCount: Int {
            switch self {
            case .uint8, .int8: 1
            case .float32, .int32: 4
            case .float64, .int64: 8
            }
        }

        var isInteger: Bool { self != .float32 && self != .float64 }
    }

    public var elementType: ElementType
    /// Dimension sizes, outermost first (C order).
    public var shape: [Int]
    /// The element bytes, little-endian, C order.
    public var data: [UInt8]

    /// Number of elements (the product of `shape`; 1 for a 0-d array).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements converted to `Float`; `uint8` values are divided by 255 when
    /// `scaleBytesToUnitRange` is set, otherwise every type converts by value.
    public func floatValues(scaleBytesToUnitRange: Bool = false) -> [Float] {
        let count = elementCount
        return data.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { output, initialized in
                for index in 0..<count {
                    let value: Float
                    switch elementType {
                    case .float32: value = raw.loadUnaligned(fromByteOffset: index * 4, as: Float.self)
                    case .float64: value = Float(raw.loadUnaligned(fromByteOffset: index * 8, as: Double.self))
                    case .uint8: value = scaleBytesToUnitRange ? Float(raw[index]) / 255 : Float(raw[index])
                    case .int8: value = Float(Int8(bitPattern: raw[index]))
                    case .int32: value = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
                    case .int64: value = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
                    }
                    output[index] = value
                }
                initialized = count
            }
        }
    }

    /// The elements as class labels: integer types in `0...Int32.max`, or floats that hold
    /// whole numbers. `source` names the file in errors.
    public func labelValues(source: String) throws(DataError) -> [Int32] {
        var labels: [Int32] = []
        labels.reserveCapacity(elementCount)
        for (index, value) in integerValues().enumerated() {
            guard let value, value >= 0, value <= Int64(Int32.max) else {
                let found = elementType.isInteger ? "\(integerValues()[index].map(String.init) ?? "?")" : "\(floatValues()[index])"
                throw DataError(.invalidValue, file: source,
                                "label at index \(index) is \(found); labels must be non-negative integers")
            }
            labels.append(Int32(value))
        }
        return labels
    }

    private func integerValues() -> [Int64?] {
        data.withUnsafeBytes { raw in
            (0..<elementCount).map { index -> Int64? in
                switch elementType {
                case .uint8: return Int64(raw[index])
                case .int8: return Int64(Int8(bitPattern: raw[index]))
                case .int32: return Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
                case .int64: return Int64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: Int64.self))
                case .float32:
                    let value = Double(raw.loadUnaligned(fromByteOffset: index * 4, as: Float.self))
                    return value == value.rounded() && abs(value) < 1e15 ? Int64(value) : nil
                case .float64:
                    let value = raw.loadUnaligned(fromByteOffset: index * 8, as: Double.self)
                    return value == value.rounded() && abs(value) < 1e15 ? Int64(value) : nil
                }
            }
        }
    }
}

/// Reads NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), C order only.
///
/// Layout: magic `\x93NUMPY`, major and minor version bytes, header length (UInt16 for 1.x,
/// UInt32 for 2.x/3.x, little-endian), a Python dict literal with `descr`, `fortran_order`
/// and `shape`, then the raw data.
public enum NumpyReader {
    /// The longest header accepted, as in NumPy's own reader (`max_header_size`).
    public static let maximumHeaderLength = 10_000
    /// The most dimensions accepted (NumPy's `NPY_MAXDIMS`).
    public static let maximumRank = 64

    /// Reads an `.npy` file.
    public static func read(path: String, limits: DataLimits = .fromEnvironment) throws(DataError) -> NumpyArray {
        try FileBytes.withContents(of: path) { (bytes) throws(DataError) in try parse(bytes, source: path, limits: limits) }
    }

    /// Parses `.npy` bytes; `source` names the file in errors.
    public static func parse(_ bytes: [UInt8], source: String, limits: DataLimits = .fromEnvironment) throws(DataError) -> NumpyArray {
        let result: Result<NumpyArray, DataError> = bytes.withUnsafeBytes { raw in
            do throws(DataError) { return .success(try parse(raw, source: source, limits: limits)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, source: String, limits: DataLimits) throws(DataError) -> NumpyArray {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] // \x93NUMPY
        guard bytes.count >= 8, Array(bytes[0..<6]) == magic else {
            let found = bytes.prefix(6).map { String($0, radix: 16) }.joined(separator: " ")
            throw DataError(.invalidFormat, file: source, "not a .npy file: expected magic 93 4e 55 4d 50 59 (\\x93NUMPY), found \(found.isEmpty ? "an empty file" : found)")
        }
        let major = Int(bytes[6])
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            guard bytes.count >= headerStart else {
                throw DataError(.invalidFormat, file: source, "truncated .npy preamble: expected 10 bytes, found \(bytes.count)")
            }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            headerStart = 12
            guard bytes.count >= headerStart else {
                throw DataError(.invalidFormat, file: source, "truncated .npy preamble: expected 12 bytes, found \(bytes.count)")
            }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        default:
            throw DataError(.unsupportedFormat, file: source, "unsupported .npy format version \(major).\(bytes[7]) (supported: 1.0, 2.0, 3.0)")
        }
        guard headerLength <= maximumHeaderLength else {
            throw DataError(.invalidFormat, file: source,
                            "the .npy header length field says \(groupedDigits(headerLength)) bytes; headers longer than \(groupedDigits(maximumHeaderLength)) bytes are refused, as NumPy does")
        }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else {
            throw DataError(.invalidFormat, file: source,
                            "truncated .npy header: header length field says \(headerLength) bytes, only \(bytes.count - headerStart) present")
        }
        let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
        let fields = try parseHeader(header, source: source)

        guard case .string(let descr)? = fields["descr"] else {
            throw DataError(.invalidFormat, file: source, "the .npy header has no string 'descr' entry: \(quoted(header))")
        }
        guard case .boolean(let fortranOrder)? = fields["fortran_order"] else {
            throw DataError(.invalidFormat, file: source, "the .npy header has no boolean 'fortran_order' entry: \(quoted(header))")
        }
        guard case .tuple(let shape)? = fields["shape"] else {
            throw DataError(.invalidFormat, file: source, "the .npy header has no tuple 'shape' entry: \(quoted(header))")
        }
        guard !fortranOrder else {
            throw DataError(.unsupportedFormat, file: source,
                            "array is stored in Fortran (column-major) order; save it in C order, e.g. np.save(path, np.ascontiguousarray(a))")
        }
        guard let elementType = elementType(for: descr) else {
            let supported = NumpyArray.ElementType.allCases.map(\.rawValue).joined(separator: ", ")
            throw DataError(.unsupportedFormat, file: source, "unsupported dtype '\(shortened(descr, limit: 40))' (supported: \(supported))")
        }
        guard shape.count <= maximumRank else {
            throw DataError(.invalidFormat, file: source, "header field 'shape' has \(shape.count) dimensions; at most \(maximumRank) are supported")
        }
        // Every product is checked: a shape whose element count or byte count overflows must
        // not wrap to a small number that passes the size check below.
        guard let elementCount = checkedProduct(shape),
              case let (expectedBytes, overflow) = elementCount.multipliedReportingOverflow(by: elementType.byteCount), !overflow else {
            throw DataError(.invalidFormat, file: source,
                            "header field 'shape' \(shape): the number of elements (times \(elementType.byteCount) bytes each) overflows")
        }
        guard elementCount <= limits.maximumValues else {
            throw DataError(.invalidFormat, file: source,
                            "header field 'shape' \(shape) declares \(groupedDigits(elementCount)) values; \(limits.valuesAdvice())")
        }
        let foundBytes = bytes.count - dataStart
        guard foundBytes == expectedBytes else {
            throw DataError(.invalidFormat, file: source,
                            "data size mismatch: shape \(shape) of '\(descr)' needs \(expectedBytes) bytes, found \(foundBytes)\(foundBytes < expectedBytes ? " (file truncated)" : "")")
        }
        return NumpyArray(elementType: elementType, shape: shape, data: Array(bytes[dataStart...]))
    }

    /// `text` for an error message: at most `limit` characters, in quotes.
    static func quoted(_ text: String, limit: Int = 200) -> String {
        shortened(text, limit: limit).debugDescription
    }

    /// `text` cut to `limit` characters, marked with "…" when cut.
    static func shortened(_ text: String, limit: Int) -> String {
        text.unicodeScalars.count > limit ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))) + "…" : text
    }

    private static func elementType(for descr: String) -> NumpyArray.ElementType? {
        switch descr {
        case "<f4", "=f4", "f4": .float32
        case "<f8", "=f8", "f8": .float64
        case "|u1", "<u1", "=u1", "u1": .uint8
        case "|i1", "<i1", "=i1", "i1": .int8
        case "<i4", "=i4", "i4": .int32
        case "<i8", "=i8", "i8": .int64
        default: nil
        }
    }

    enum HeaderValue: Equatable {
        case string(String)
        case boolean(Bool)
        case tuple([Int])
    }

    /// Parses the header's Python dict literal, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    static func parseHeader(_ header: String, source: String) throws(DataError) -> [String: HeaderValue] {
        let characters = Array(header.unicodeScalars)
        var index = 0
        func fail(_ expected: String) -> DataError {
            DataError(.invalidFormat, file: source, "malformed .npy header: expected \(expected) at character \(index + 1) of \(quoted(header))")
        }
        func skipSpace() {
            while index < characters.count && (characters[index] == " " || characters[index] == "\n" || characters[index] == "\t") { index += 1 }
        }
        func accept(_ character: Unicode.Scalar) -> Bool {
            skipSpace()
            if index < characters.count && characters[index] == character { index += 1; return true }
            return false
        }
        func parseString() throws(DataError) -> String {
            skipSpace()
            guard index < characters.count, characters[index] == "'" || characters[index] == "\"" else { throw fail("a quoted string") }
            let quote = characters[index]
            index += 1
            var text = ""
            while index < characters.count && characters[index] != quote {
                text.unicodeScalars.append(characters[index])
                index += 1
            }
            guard index < characters.count else { throw fail("a closing quote") }
            index += 1
            return text
        }
        func parseInteger() throws(DataError) -> Int {
            skipSpace()
            var digits = ""
            while index < characters.count, ("0"..."9").contains(characters[index]) {
                digits.unicodeScalars.append(characters[index])
                index += 1
            }
            if index < characters.count && characters[index] == "L" { index += 1 } // Python 2 long suffix
            guard let value = Int(digits) else { throw fail("a dimension size") }
            return value
        }

        var fields: [String: HeaderValue] = [:]
        guard accept("{") else { throw fail("'{'") }
        while !accept("}") {
            let key = try parseString()
            guard accept(":") else { throw fail("':'") }
            skipSpace()
            if index < characters.count && (characters[index] == "'" || characters[index] == "\"") {
                fields[key] = .string(try parseString())
            } else if accept("(") {
                var sizes: [Int] = []
                while !accept(")") {
                    sizes.append(try parseInteger())
                    if !accept(",") {
                        guard accept(")") else { throw fail("',' or ')'") }
                        break
                    }
                }
                fields[key] = .tuple(sizes)
            } else if characters[index...].starts(with: "True".unicodeScalars) {
                index += 4
                fields[key] = .boolean(true)
            } else if characters[index...].starts(with: "False".unicodeScalars) {
                index += 5
                fields[key] = .boolean(false)
            } else {
                throw fail("a string, tuple, True or False")
            }
            if !accept(",") {
                guard accept("}") else { throw fail("',' or '}'") }
                break
            }
        }
        return fields
    }
}
