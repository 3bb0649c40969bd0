/// A CSV file of numbers read whole: an optional header and rows of finite floats.
///
/// `CSVReader` reads features with an integer class label; this reads every column as a
/// float, for regression targets. Blank lines are skipped, `\r\n` line ends and double-quoted
/// fields accepted; errors name the file, the 1-based line and the 1-based column.
struct CSVTable {
    var header: [String]?
    var columnCount: Int
    /// Row-major values, `columnCount` per row.
    var values: [Float]
    /// The 1-based line of each row, for messages.
    var lines: [Int]

    var rowCount: Int { lines.count }

    static func load(path: String, limits: DataLimits = .fromEnvironment) throws(DataError) -> CSVTable {
        try parse(FileBytes.decompressedContents(of: path, limits: limits), source: path, limits: limits)
    }

    static func parse(_ bytes: [UInt8], source: String, limits: DataLimits = DataLimits()) throws(DataError) -> CSVTable {
        var table = CSVTable(header: nil, columnCount: 0, values: [], lines: [])
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var contentEnd = end
            if contentEnd > start && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            let line = bytes[start..<contentEnd]
            start = end + 1
            guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { continue }
            let fields = splitFields(line)
            if table.columnCount == 0 {
                table.columnCount = fields.count
                if fields.contains(where: { Float($0) == nil }) {
                    table.header = fields
                    continue
                }
            }
            guard fields.count == table.columnCount else {
                throw DataError(.shapeMismatch, file: source, line: lineNumber,
                                "expected \(table.columnCount) columns, found \(fields.count)")
            }
            guard table.values.count + fields.count <= limits.maximumValues else {
                throw DataError(.invalidValue, file: source, line: lineNumber, "more than \(limits.maximumValues) values: \(limits.valuesAdvice())")
            }
            for (column, field) in fields.enumerated() {
                guard let value = Float(field), value.isFinite else {
                    throw DataError(.invalidValue, file: source, line: lineNumber, column: column + 1,
                                    "'\(field)' is not a finite number")
                }
                table.values.append(value)
            }
            table.lines.append(lineNumber)
        }
        guard table.rowCount > 0 else {
            throw DataError(.invalidValue, file: source, "CSV file has no data rows")
        }
        return table
    }

    /// Splits on commas outside double quotes; trims blanks and one pair of quotes.
    private static func splitFields(_ line: ArraySlice<UInt8>) -> [String] {
        var fields: [String] = []
        var fieldStart = line.startIndex
        var inQuotes = false
        var index = line.startIndex
        while index <= line.endIndex {
            if index == line.endIndex || (line[index] == UInt8(ascii: ",") && !inQuotes) {
                var field = line[fieldStart..<index]
                while let first = field.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { field = field.dropFirst() }
                while let last = field.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { field = field.dropLast() }
                if field.count >= 2 && field.first == UInt8(ascii: "\"") && field.last == UInt8(ascii: "\"") {
                    field = field.dropFirst().dropLast()
                }
                fields.append(String(decoding: field, as: UTF8.self))
                fieldStart = index + 1
            } else if line[index] == UInt8(ascii: "\"") {
                inQuotes.toggle()
            }
            index += 1
        }
        return fields
    }
}
