// ONNX -> Graph: reads a model with libonnx (protobuf), checks it with the
// ONNX checker and strict shape inference, folds BatchNormalization into the
// preceding Conv (or turns it into a depthwise 1x1 Conv), folds constant
// bias Adds into Conv/Gemm and maps the supported operators onto the
// compiler's Graph (graph.h). Anything else is rejected with a CompileError
// naming the file, the node, its op and the reason.
#pragma once

#include <string>

#include "graph.h"

namespace hpvp::compiler {

// Supported ONNX operators, for messages and docs.
const char* supported_onnx_ops();

Graph import_onnx(const std::string& path);
// The same on an in-memory serialized ModelProto; `origin` names it in errors.
Graph import_onnx_bytes(const std::string& bytes, const std::string& origin);

}  // namespace hpvp::compiler
