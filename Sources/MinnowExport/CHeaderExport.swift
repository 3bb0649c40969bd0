import MinnowRuntime

/// A model as a C header for firmware: the file as a 16-byte aligned `const` array (the runtime
/// reads constants in place, from flash), its length, and every input's and output's element
/// type, shape, scale and zero point as constants, ready for `minnow_init` (minnow.h).
public enum CHeaderExport {
    /// The header text. `name` is the C identifier of the array (macros use it in capitals);
    /// `source` is how the header names where the model came from.
    public static func header(modelBytes: [UInt8], name: String, source: String) throws -> String {
        guard isIdentifier(name) else {
            throw ExportError("--name: '\(name)' is not a C identifier (letters, digits and _, not starting with a digit)")
        }
        return try ModelCopy.withModel(modelBytes) { model in
            let macro = name.uppercased()
            var text = """
            /* \(name).h: the model \(source) as a C array, written by `minnow export --format c`.
             * \(modelBytes.count) bytes, model file format version \(model.formatVersion), \(model.inputs.count) input(s), \(model.outputs.count) output(s).
             * Use with the Minnow runtime library (minnow.h from tools/runtime-lib):
             *     minnow_init(&interpreter, \(name), \(macro)_BYTES, arena, sizeof arena);
             * The array is 16-byte aligned as the runtime wants it: it reads the weights in place.
             * Include this header in one .c file (the array is static). */
            #ifndef \(macro)_H
            #define \(macro)_H

            #if defined(__cplusplus)
            #define \(macro)_ALIGN alignas(16)
            #elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
            #define \(macro)_ALIGN _Alignas(16)
            #else
            #define \(macro)_ALIGN __attribute__((aligned(16)))
            #endif

            #define \(macro)_BYTES \(modelBytes.count)
            #define \(macro)_INPUT_COUNT \(model.inputs.count)
            #define \(macro)_OUTPUT_COUNT \(model.outputs.count)

            """
            for (role, list) in [("INPUT", model.inputs), ("OUTPUT", model.outputs)] {
                for (i, t) in list.enumerated() {
                    text += describe(model, tensor: t, prefix: "\(macro)_\(role)\(i)", role: role.lowercased(), index: i)
                }
            }
            text += "\n\(macro)_ALIGN static const unsigned char \(name)[\(macro)_BYTES] = {\n"
            let hex = Array("0123456789abcdef")
            var line = ""
            for (i, byte) in modelBytes.enumerated() {
                line += "0x"
                line.append(hex[Int(byte >> 4)])
                line.append(hex[Int(byte & 15)])
                line += ","
                if i % 16 == 15 || i == modelBytes.count - 1 {
                    text += "    " + line + "\n"
                    line = ""
                } else {
                    line += " "
                }
            }
            text += "};\n\n#endif\n"
            return text
        }
    }

    /// `#define`s for one model input or output.
    static func describe(_ model: Model, tensor t: Int, prefix: String, role: String, index: Int) -> String {
        let shape = model.tensorShape(t).dimensions
        let type = model.tensorType(t)
        let typeName: String
        switch type {
        case .float32: typeName = "float32"
        case .int8: typeName = "int8"
        case .int16: typeName = "int16"
        case .int32: typeName = "int32"
        case .uint8: typeName = "uint8"
        }
        let tensorName = model.tensorName(t)
        var text = "\n/* \(role) \(index)\(tensorName.isEmpty ? "" : " '\(comment(tensorName))'"): \(typeName) \(shape)"
        let quantization = model.quantization(t)
        if quantization != nil { text += ", real = scale * (q - zero_point)" }
        text += " */\n"
        text += "#define \(prefix)_TYPE \(type.rawValue) /* MINNOW_\(typeName.uppercased()) */\n"
        text += "#define \(prefix)_RANK \(shape.count)\n"
        text += "#define \(prefix)_DIMS { \(shape.map(String.init).joined(separator: ", ")) }\n"
        text += "#define \(prefix)_ELEMENTS \(shape.reduce(1, *))\n"
        text += "#define \(prefix)_BYTES \(model.tensorByteCount(t))\n"
        text += "#define \(prefix)_SCALE \(cFloat(quantization?.scale() ?? 0))\n"
        text += "#define \(prefix)_ZERO_POINT \(quantization?.zeroPoint() ?? 0)\n"
        return text
    }

    /// A float literal that reads back as exactly `value` (Swift prints the shortest such digits).
    static func cFloat(_ value: Float) -> String {
        var digits = "\(value)"
        if !digits.contains(".") && !digits.contains("e") { digits += ".0" }
        return digits + "f"
    }

    static func comment(_ text: String) -> String {
        String(text.map { $0 == "*" || $0 == "/" || !$0.isASCII || $0.isNewline ? "_" : $0 })
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)) }
    }

    /// A C identifier made from a file name: `models/fashion-cnn-int8.h` → `fashion_cnn_int8`.
    public static func identifier(fromPath path: String) -> String {
        var base = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = base.lastIndex(of: ".") , dot != base.startIndex { base = String(base[..<dot]) }
        var name = String(base.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar))
                ? Character(scalar) : "_"
        }).lowercased()
        if name.isEmpty || name.first!.isNumber { name = "model_" + name }
        return name
    }
}
