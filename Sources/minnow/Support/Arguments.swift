/// A small command-line parser: `--name value`, `--flag`, and positional arguments.
/// Unknown options are errors that name the option and the command's `--help`.
struct Arguments {
    private(set) var positional: [String] = []
    private var options: [String: String] = [:]
    private var flags: Set<String> = []
    private var consumed: Set<String> = []
    let command: String

    /// - Parameters:
    ///   - valueOptions: options that take a value, e.g. `["out", "epochs"]`.
    ///   - flagOptions: options without a value, e.g. `["json"]`.
    init(command: String, _ arguments: [String], valueOptions: Set<String>, flagOptions: Set<String>) throws {
        self.command = command
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                var inlineValue: String?
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if flagOptions.contains(name) {
                    flags.insert(name)
                } else if valueOptions.contains(name) {
                    if let inlineValue {
                        options[name] = inlineValue
                    } else {
                        guard i + 1 < arguments.count else { throw CLIError("\(command): option --\(name) needs a value") }
                        options[name] = arguments[i + 1]
                        i += 1
                    }
                } else {
                    throw CLIError("\(command): unknown option --\(name) (see 'minnow \(command) --help')")
                }
            } else {
                positional.append(argument)
            }
            i += 1
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }
    func string(_ name: String) -> String? { options[name] }

    func int(_ name: String) throws -> Int? {
        guard let text = options[name] else { return nil }
        guard let value = Int(text) else { throw CLIError("\(command): --\(name) expects a whole number, got '\(text)'") }
        return value
    }

    func positiveInt(_ name: String) throws -> Int? {
        guard let value = try int(name) else { return nil }
        guard value > 0 else { throw CLIError("\(command): --\(name) must be positive, got \(value)") }
        return value
    }

    func float(_ name: String) throws -> Float? {
        guard let text = options[name] else { return nil }
        guard let value = Float(text), value.isFinite else { throw CLIError("\(command): --\(name) expects a number, got '\(text)'") }
        return value
    }

    func choice<T: RawRepresentable>(_ name: String, as type: T.Type, among all: [T]) throws -> T? where T.RawValue == String {
        guard let text = options[name] else { return nil }
        guard let value = T(rawValue: text) else {
            throw CLIError("\(command): --\(name) must be one of \(all.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return value
    }
}

/// An error the CLI prints as `minnow: <message>` before exiting with status 1 (2 for usage).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    var isUsage: Bool
    init(_ description: String, isUsage: Bool = true) {
        self.description = description
        self.isUsage = isUsage
    }
}
