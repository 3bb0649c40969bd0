/// Which CSV column holds the integer class label.
public enum CSVLabelColumn: Equatable, Sendable {
    /// The column named `label` if there is a header with one, otherwise the last column.
    case automatic
    /// A 0-based column index.
    case index(Int)
    /// The column with this header name (requires a header).
    case named(String)
}

/// Options for `CSVReader`.
public struct CSVOptions: Equatable, Sendable {
    public var labelColumn: CSVLabelColumn
    /// Whether the first line is a header; `nil` detects it (a first line with any
    /// non-numeric field is a header).
    public var hasHeader: Bool?
    /// The field separator byte.
    public var delimiter: UInt8

    public init(labelColumn: CSVLabelColumn = .automatic, hasHeader: Bool? = nil, delimiter: UInt8 = UInt8(ascii: ",")) {
        self.labelColumn = labelColumn
        self.hasHeader = hasHeader
        self.delimiter = delimiter
    }
}

/// Reads a CSV file of numeric feature columns plus one integer label column.
///
/// Blank lines are skipped, `\r\n` line ends and double-quoted fields are accepted. The file is
/// read in one pass, row by row, without reserving memory for rows it has not seen. A field
/// must be a number in full: trailing garbage and embedded NUL bytes ("1\0abc") are errors, as
/// are NaN and infinity. Errors name the file, the 1-based line and the 1-based column.
public enum CSVReader {
    /// Loads `path` (optionally gzip-compressed; a gzip file may expand only as far as
    /// `limits` allows).
    ///
    /// - Parameter itemShape: shape of one item; defaults to `[featureColumnCount]`.
    public static func load(path: String, options: CSVOptions = CSVOptions(), itemShape: [Int]? = nil,
                            limits: DataLimits = .fromEnvironment) throws(DataError) -> LabeledDataset {
        try FileBytes.withContents(of: path) { (raw) throws(DataError) -> LabeledDataset in
            try decode(raw, source: path, options: options, itemShape: itemShape, limits: limits)
        }
    }

    /// Parses the contents of a CSV file, gzip-compressed or not; `source` names the file.
    static func decode(_ raw: UnsafeRawBufferPointer, source: String, options: CSVOptions, itemShape: [Int]?,
                       limits: DataLimits) throws(DataError) -> LabeledDataset {
        guard Gzip.isGzip(raw) else {
            return try parse(raw, source: source, options: options, itemShape: itemShape, limits: limits)
        }
        let text = try FileBytes.gunzip(raw, path: source, maximumOutput: limits.inflateAllowance(forCompressedBytes: raw.count),
                                        limitAdvice: limits.expansionAdvice(compressedBytes: raw.count))
        return try text.withBytes { (bytes) throws(DataError) in
            try parse(bytes, source: source, options: options, itemShape: itemShape, limits: limits)
        }
    }

    /// Parses CSV text; `source` names the file in errors and in `sourceDescription`.
    public static func parse(_ bytes: [UInt8], source: String, options: CSVOptions = CSVOptions(),
                             itemShape: [Int]? = nil, limits: DataLimits = .fromEnvironment) throws(DataError) -> LabeledDataset {
        try bytes.withBytes { (raw) throws(DataError) in
            try parse(raw, source: source, options: options, itemShape: itemShape, limits: limits)
        }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, source: String, options: CSVOptions,
                      itemShape: [Int]?, limits: DataLimits) throws(DataError) -> LabeledDataset {
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        var features: [Float] = []
        var labels: [Int32] = []
        var fields: [Range<Int>] = []          // the current line's fields, reused line by line
        var layout: (columns: Int, labelColumn: Int, firstLine: Int)?
        var hasHeaderLine = false
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != newline { end += 1 }
            var contentEnd = end
            if contentEnd > start && bytes[contentEnd - 1] == carriageReturn { contentEnd -= 1 }
            let lineStart = start
            start = end + 1
            guard (lineStart..<contentEnd).contains(where: { bytes[$0] != UInt8(ascii: " ") && bytes[$0] != UInt8(ascii: "\t") }) else {
                continue // blank line
            }
            splitFields(bytes, lineStart..<contentEnd, delimiter: options.delimiter, into: &fields)

            guard let (columnCount, labelColumn, _) = layout else {
                // The first non-blank line: a header, or the first row; either way it fixes the columns.
                // A NUL byte has no place in a text file, header or not.
                if let column = fields.firstIndex(where: { bytes[$0].contains(0) }) {
                    throw DataError(.invalidValue, file: source, line: lineNumber, column: column + 1,
                                    "\(display(bytes, fields[column])) contains a NUL byte; this is not a text CSV file")
                }
                let isHeader = options.hasHeader ?? fields.contains { parseNumber(bytes, $0) == nil }
                let header = isHeader ? fields.map { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self) } : nil
                let columns = fields.count
                guard columns >= 2 else {
                    throw DataError(.shapeMismatch, file: source, line: lineNumber,
                                    "CSV needs at least one feature column and a label column, found \(columns) column")
                }
                layout = (columns, try labelColumnIndex(options.labelColumn, header: header, columnCount: columns,
                                                         source: source, line: lineNumber), lineNumber)
                hasHeaderLine = isHeader
                if isHeader { continue }
                try appendRow(bytes, fields, line: lineNumber, labelColumn: layout!.labelColumn, source: source,
                              features: &features, labels: &labels)
                continue
            }
            guard fields.count == columnCount else {
                throw DataError(.shapeMismatch, file: source, line: lineNumber,
                                "expected \(columnCount) columns, found \(fields.count)")
            }
            try appendRow(bytes, fields, line: lineNumber, labelColumn: labelColumn, source: source,
                          features: &features, labels: &labels)
            guard features.count <= limits.maximumValues else {
                throw DataError(.invalidValue, file: source, line: lineNumber,
                                "the file holds more than \(groupedDigits(limits.maximumValues)) feature values; \(limits.valuesAdvice())")
            }
        }
        guard let (columnCount, _, _) = layout else {
            throw DataError(.invalidValue, file: source, "CSV file has no data rows")
        }
        guard !labels.isEmpty else {
            throw DataError(.invalidValue, file: source, "CSV file has \(hasHeaderLine ? "a header but " : "")no data rows")
        }
        let featureCount = columnCount - 1
        let shape = itemShape ?? [featureCount]
        guard checkedProduct(shape) == featureCount else {
            throw DataError(.shapeMismatch, file: source,
                            "item shape \(shape) does not hold the \(featureCount) feature columns of the CSV")
        }
        return try LabeledDataset(features: features, itemShape: shape, labels: labels,
                                  sourceDescription: "CSV \(source) (\(groupedDigits(labels.count)) rows, \(featureCount) features)")
    }

    private static func labelColumnIndex(_ choice: CSVLabelColumn, header: [String]?, columnCount: Int,
                                         source: String, line: Int) throws(DataError) -> Int {
        let names = header
        switch choice {
        case .automatic:
            return names?.firstIndex { $0.lowercased() == "label" } ?? columnCount - 1
        case .index(let index):
            guard (0..<columnCount).contains(index) else {
                throw DataError(.shapeMismatch, file: source, line: line,
                                "label column index \(index) is out of range for \(columnCount) columns")
            }
            return index
        case .named(let name):
            guard let names else {
                throw DataError(.invalidValue, file: source, line: line,
                                "label column '\(name)' requested but the file has no header line")
            }
            guard let index = names.firstIndex(of: name) else {
                let listed = names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", …" : "")
                throw DataError(.invalidValue, file: source, line: line,
                                "no column named '\(name)' in header (columns: \(listed))")
            }
            return index
        }
    }

    private static func appendRow(_ bytes: UnsafeRawBufferPointer, _ fields: [Range<Int>], line: Int, labelColumn: Int,
                                  source: String, features: inout [Float], labels: inout [Int32]) throws(DataError) {
        for (column, field) in fields.enumerated() {
            if column == labelColumn {
                guard let label = parseLabel(bytes, field) else {
                    throw DataError(.invalidValue, file: source, line: line, column: column + 1,
                                    "label \(display(bytes, field)) is not a non-negative integer\(nulNote(bytes, field))")
                }
                labels.append(label)
            } else {
                guard let value = parseNumber(bytes, field) else {
                    throw DataError(.invalidValue, file: source, line: line, column: column + 1,
                                    "\(display(bytes, field)) is not a finite number\(nulNote(bytes, field))")
                }
                features.append(value)
            }
        }
    }

    /// Splits a line into field ranges, each trimmed of blanks and of one pair of surrounding
    /// double quotes; a delimiter inside quotes does not split.
    private static func splitFields(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>, delimiter: UInt8,
                                    into fields: inout [Range<Int>]) {
        fields.removeAll(keepingCapacity: true)
        var fieldStart = line.lowerBound
        var inQuotes = false
        var index = line.lowerBound
        while index <= line.upperBound {
            if index == line.upperBound || (bytes[index] == delimiter && !inQuotes) {
                fields.append(cleaned(bytes, fieldStart..<index))
                fieldStart = index + 1
            } else if bytes[index] == UInt8(ascii: "\"") {
                inQuotes.toggle()
            }
            index += 1
        }
    }

    private static func cleaned(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper && isBlank(bytes[lower]) { lower += 1 }
        while upper > lower && isBlank(bytes[upper - 1]) { upper -= 1 }
        if upper - lower >= 2 && bytes[lower] == UInt8(ascii: "\"") && bytes[upper - 1] == UInt8(ascii: "\"") {
            lower += 1
            upper -= 1
        }
        return lower..<upper
    }

    /// Parses a whole field as a finite Float, or returns nil (empty, garbage, NUL, NaN, ±inf).
    static func parseNumber(_ bytes: UnsafeRawBufferPointer, _ field: Range<Int>) -> Float? {
        if let integer = parseInteger(bytes, field) {
            // Correctly rounded, like strtof; "-0" keeps its sign as strtof does.
            return integer == 0 && bytes[field.lowerBound] == UInt8(ascii: "-") ? -0.0 : Float(integer)
        }
        // Float(String) stops at a NUL byte as C's strtof does, so refuse NULs first.
        guard !field.isEmpty, !bytes[field].contains(0) else { return nil }
        guard let value = Float(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field]), as: UTF8.self)),
              value.isFinite else { return nil }
        return value
    }

    /// An optionally signed run of at most 18 decimal digits (the common case, parsed without
    /// building a String).
    private static func parseInteger(_ bytes: UnsafeRawBufferPointer, _ field: Range<Int>) -> Int? {
        var index = field.lowerBound
        var negative = false
        if index < field.upperBound && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let digits = field.upperBound - index
        guard digits >= 1, digits <= 18 else { return nil }
        var value = 0
        while index < field.upperBound {
            let digit = Int(bytes[index]) - 48
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value * 10 + digit
            index += 1
        }
        return negative ? -value : value
    }

    private static func parseLabel(_ bytes: UnsafeRawBufferPointer, _ field: Range<Int>) -> Int32? {
        if let integer = parseInteger(bytes, field) {
            return integer >= 0 && integer <= Int(Int32.max) ? Int32(integer) : nil
        }
        // Accept integral floats such as "3.0", which some tools write for integer columns.
        guard !field.isEmpty, !bytes[field].contains(0),
              let value = Double(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field]), as: UTF8.self)),
              value >= 0, value <= Double(Int32.max), value == value.rounded() else { return nil }
        return Int32(value)
    }

    /// The field for an error message: quoted, control bytes escaped, at most 60 characters.
    private static func display(_ bytes: UnsafeRawBufferPointer, _ field: Range<Int>) -> String {
        let shown = field.lowerBound..<min(field.upperBound, field.lowerBound + 60)
        var text = ""
        for scalar in String(decoding: UnsafeRawBufferPointer(rebasing: bytes[shown]), as: UTF8.self).unicodeScalars {
            if scalar == "\0" { text += "\\0" } else if scalar.value < 32 || scalar.value == 127 {
                text += "\\u{\(String(scalar.value, radix: 16))}"
            } else { text.unicodeScalars.append(scalar) }
        }
        return "'" + text + (field.count > shown.count ? "…" : "") + "'"
    }

    private static func nulNote(_ bytes: UnsafeRawBufferPointer, _ field: Range<Int>) -> String {
        bytes[field].contains(0) ? " (it contains a NUL byte)" : ""
    }
}
