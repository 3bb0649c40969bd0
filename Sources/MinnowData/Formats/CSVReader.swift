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
/// Blank lines are skipped, `\r\n` line ends and double-quoted fields are accepted. Errors name
/// the file, the 1-based line and the 1-based column.
public enum CSVReader {
    /// Loads `path` (optionally gzip-compressed).
    ///
    /// - Parameter itemShape: shape of one item; defaults to `[featureColumnCount]`.
    public static func load(path: String, options: CSVOptions = CSVOptions(), itemShape: [Int]? = nil) throws(DataError) -> LabeledDataset {
        let bytes = try FileBytes.decompressedContents(of: path)
        return try parse(bytes, source: path, options: options, itemShape: itemShape)
    }

    /// Parses CSV text; `source` names the file in errors and in `sourceDescription`.
    public static func parse(_ bytes: [UInt8], source: String, options: CSVOptions = CSVOptions(),
                             itemShape: [Int]? = nil) throws(DataError) -> LabeledDataset {
        // Line numbers and byte ranges of the non-blank lines; fields are split row by row.
        var lines: [(number: Int, range: Range<Int>)] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var contentEnd = end
            if contentEnd > start && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            let line = bytes[start..<contentEnd]
            if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) {
                lines.append((lineNumber, start..<contentEnd))
            }
            start = end + 1
        }
        guard let firstLine = lines.first else {
            throw DataError(.invalidValue, file: source, "CSV file has no data rows")
        }
        let first = (number: firstLine.number, fields: splitFields(bytes[firstLine.range], delimiter: options.delimiter))

        let hasHeader = options.hasHeader ?? first.fields.contains { parseNumber($0) == nil }
        let header = hasHeader ? first.fields : nil
        let rows = hasHeader ? lines.dropFirst() : lines[...]
        let columnCount = first.fields.count
        guard columnCount >= 2 else {
            throw DataError(.shapeMismatch, file: source, line: first.number,
                            "CSV needs at least one feature column and a label column, found \(columnCount) column")
        }

        let labelColumn: Int
        switch options.labelColumn {
        case .automatic:
            labelColumn = header?.firstIndex { $0.lowercased() == "label" } ?? columnCount - 1
        case .index(let index):
            guard (0..<columnCount).contains(index) else {
                throw DataError(.shapeMismatch, file: source, line: first.number,
                                "label column index \(index) is out of range for \(columnCount) columns")
            }
            labelColumn = index
        case .named(let name):
            guard let header else {
                throw DataError(.invalidValue, file: source, line: first.number,
                                "label column '\(name)' requested but the file has no header line")
            }
            guard let index = header.firstIndex(of: name) else {
                throw DataError(.invalidValue, file: source, line: first.number,
                                "no column named '\(name)' in header (columns: \(header.joined(separator: ", ")))")
            }
            labelColumn = index
        }
        guard !rows.isEmpty else {
            throw DataError(.invalidValue, file: source, "CSV file has a header but no data rows")
        }

        let featureCount = columnCount - 1
        var features: [Float] = []
        features.reserveCapacity(rows.count * featureCount)
        var labels: [Int32] = []
        labels.reserveCapacity(rows.count)
        for line in rows {
            let row = (number: line.number, fields: splitFields(bytes[line.range], delimiter: options.delimiter))
            guard row.fields.count == columnCount else {
                throw DataError(.shapeMismatch, file: source, line: row.number,
                                "expected \(columnCount) columns, found \(row.fields.count)")
            }
            for (column, field) in row.fields.enumerated() {
                if column == labelColumn {
                    guard let label = parseLabel(field) else {
                        throw DataError(.invalidValue, file: source, line: row.number, column: column + 1,
                                        "label '\(field)' is not a non-negative integer")
                    }
                    labels.append(label)
                } else {
                    guard let value = parseNumber(field) else {
                        throw DataError(.invalidValue, file: source, line: row.number, column: column + 1,
                                        "'\(field)' is not a finite number")
                    }
                    features.append(value)
                }
            }
        }

        let shape = itemShape ?? [featureCount]
        guard shape.reduce(1, *) == featureCount else {
            throw DataError(.shapeMismatch, file: source,
                            "item shape \(shape) has \(shape.reduce(1, *)) values but the CSV has \(featureCount) feature columns")
        }
        return try LabeledDataset(features: features, itemShape: shape, labels: labels,
                                  sourceDescription: "CSV \(source) (\(groupedDigits(labels.count)) rows, \(featureCount) features)")
    }

    private static func splitFields(_ line: ArraySlice<UInt8>, delimiter: UInt8) -> [String] {
        var fields: [String] = []
        var fieldStart = line.startIndex
        var index = line.startIndex
        var inQuotes = false
        while index <= line.endIndex {
            if index == line.endIndex || (line[index] == delimiter && !inQuotes) {
                fields.append(cleanField(line[fieldStart..<index]))
                fieldStart = index + 1
            } else if line[index] == UInt8(ascii: "\"") {
                inQuotes.toggle()
            }
            index += 1
        }
        return fields
    }

    /// Trims blanks and one pair of surrounding double quotes.
    private static func cleanField(_ bytes: ArraySlice<UInt8>) -> String {
        var field = bytes
        while let first = field.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { field = field.dropFirst() }
        while let last = field.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { field = field.dropLast() }
        if field.count >= 2 && field.first == UInt8(ascii: "\"") && field.last == UInt8(ascii: "\"") {
            field = field.dropFirst().dropLast()
        }
        return String(decoding: field, as: UTF8.self)
    }

    private static func parseNumber(_ field: String) -> Float? {
        guard let value = Float(field), value.isFinite else { return nil }
        return value
    }

    private static func parseLabel(_ field: String) -> Int32? {
        if let label = Int32(field) { return label >= 0 ? label : nil }
        // Accept integral floats such as "3.0", which some tools write for integer columns.
        guard let value = Double(field), value >= 0, value <= Double(Int32.max), value == value.rounded() else { return nil }
        return Int32(value)
    }
}
