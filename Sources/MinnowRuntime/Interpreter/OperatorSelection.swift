/// Compile-time operator selection, like TensorFlow Lite Micro's op resolver: a firmware build
/// can link only the kernels its model needs.
///
/// By default every operator is included. A build that passes `-D MINNOW_SELECTED_OPERATORS`
/// includes only the kernels named by further conditions `-D MINNOW_OP_<TYPE>_<CODE>`, where TYPE
/// is `FLOAT32` or `INT8` (the interpreter's float or int8 path: an operator is on the int8 path
/// when its first input is int8, and `quantize` always is) and CODE is the `OperatorCode` case
/// name in capitals, e.g. `-D MINNOW_OP_INT8_CONV2D -D MINNOW_OP_INT8_MAXPOOL2D`; also one
/// `-D MINNOW_OPS_ANY_<TYPE>` per path that has any kernel. Each dispatch site (interpreter and
/// operand validation) asks `includes` with a literal code, so an excluded kernel's call and its
/// operand rules fold away and the linker drops them. `Model(bytes:)` rejects a model that uses
/// an excluded operator with `ModelError.unsupportedOperator`, so a trimmed build fails at load,
/// not at `invoke()`. `firmware-sim/run` derives the conditions from the model file.
enum OperatorSelection {
    /// Whether the kernel for `code` on the int8 (`int8 == true`) or float path is compiled in.
    @inline(__always)
    static func includes(_ code: OperatorCode, int8: Bool) -> Bool {
        #if MINNOW_SELECTED_OPERATORS
        switch code {
        case .fullyConnected:
            #if MINNOW_OP_INT8_FULLYCONNECTED
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_FULLYCONNECTED
            if !int8 { return true }
            #endif
            return false
        case .conv2D:
            #if MINNOW_OP_INT8_CONV2D
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_CONV2D
            if !int8 { return true }
            #endif
            return false
        case .depthwiseConv2D:
            #if MINNOW_OP_INT8_DEPTHWISECONV2D
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_DEPTHWISECONV2D
            if !int8 { return true }
            #endif
            return false
        case .maxPool2D:
            #if MINNOW_OP_INT8_MAXPOOL2D
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_MAXPOOL2D
            if !int8 { return true }
            #endif
            return false
        case .averagePool2D:
            #if MINNOW_OP_INT8_AVERAGEPOOL2D
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_AVERAGEPOOL2D
            if !int8 { return true }
            #endif
            return false
        case .globalAveragePool:
            #if MINNOW_OP_INT8_GLOBALAVERAGEPOOL
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_GLOBALAVERAGEPOOL
            if !int8 { return true }
            #endif
            return false
        case .add:
            #if MINNOW_OP_INT8_ADD
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_ADD
            if !int8 { return true }
            #endif
            return false
        case .reshape:
            #if MINNOW_OP_INT8_RESHAPE
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_RESHAPE
            if !int8 { return true }
            #endif
            return false
        case .softmax:
            #if MINNOW_OP_INT8_SOFTMAX
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_SOFTMAX
            if !int8 { return true }
            #endif
            return false
        case .logistic:
            #if MINNOW_OP_INT8_LOGISTIC
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_LOGISTIC
            if !int8 { return true }
            #endif
            return false
        case .tanh:
            #if MINNOW_OP_INT8_TANH
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_TANH
            if !int8 { return true }
            #endif
            return false
        case .relu:
            #if MINNOW_OP_INT8_RELU
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_RELU
            if !int8 { return true }
            #endif
            return false
        case .relu6:
            #if MINNOW_OP_INT8_RELU6
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_RELU6
            if !int8 { return true }
            #endif
            return false
        case .batchNorm:
            #if MINNOW_OP_INT8_BATCHNORM
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_BATCHNORM
            if !int8 { return true }
            #endif
            return false
        case .lstm:
            #if MINNOW_OP_INT8_LSTM
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_LSTM
            if !int8 { return true }
            #endif
            return false
        case .gru:
            #if MINNOW_OP_INT8_GRU
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_GRU
            if !int8 { return true }
            #endif
            return false
        case .quantize:
            #if MINNOW_OP_INT8_QUANTIZE
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_QUANTIZE
            if !int8 { return true }
            #endif
            return false
        case .dequantize:
            #if MINNOW_OP_INT8_DEQUANTIZE
            if int8 { return true }
            #endif
            #if MINNOW_OP_FLOAT32_DEQUANTIZE
            if !int8 { return true }
            #endif
            return false
        }
        #else
        return true
        #endif
    }

    /// Whether any float-path kernel is compiled in (false lets the float dispatch fold away).
    @inline(__always)
    static var includesFloatPath: Bool {
        #if MINNOW_SELECTED_OPERATORS && !MINNOW_OPS_ANY_FLOAT32
        return false
        #else
        return true
        #endif
    }

    /// Whether any int8-path kernel is compiled in (false lets the int8 dispatch fold away).
    @inline(__always)
    static var includesInt8Path: Bool {
        #if MINNOW_SELECTED_OPERATORS && !MINNOW_OPS_ANY_INT8
        return false
        #else
        return true
        #endif
    }

    /// Whether operator `op` of `model` runs on the int8 path (as `Interpreter.invoke` decides).
    @inline(__always)
    static func isInt8Path(_ model: Model, op: Int) -> Bool {
        model.tensorType(model.operatorInputs(op)[0]) == .int8 || model.operatorCode(op) == .quantize
    }

}
