// SCALE-Sim v2 topology CSV -> Graph, so the NPU can run the workloads of
// SCALE-Sim studies. The two SCALE-Sim formats are told apart by the header:
//
//   convolution: Layer name, IFMAP Height, IFMAP Width, Filter Height,
//                Filter Width, Channels, Num Filter, Strides,
//   GEMM:        Layer, M, N, K,
//
// Rows are read as SCALE-Sim reads them (scalesim/topology_utils.py): the
// first non-blank line is the header, blank lines are skipped, fields are
// trimmed, and whatever follows the last comma of a row is ignored (rows end
// with ','; some SCALE-Sim files put a note such as "#dw" there). There are no
// comment lines. A conv row may add a stride width (older SCALE-Sim) or an
// "N:M" sparsity ratio (newer SCALE-Sim; only dense ratios N = M are
// accepted); a GEMM row may add the sparsity ratio. A conv layer whose name
// contains "DP" is depthwise: SCALE-Sim runs it as one layer per channel,
// here it is one conv with groups = Channels and Channels x Num Filter
// output channels (the same MACs).
//
// Graph: every layer is one node without bias or activation.
//  - conv: valid convolution (no padding; SCALE-Sim users fold the padding
//    into the IFMAP size), input Channels x IFMAP Height x IFMAP Width;
//  - GEMM M, N, K: a kGemm node with input K x M x 1 (c x h x w), output
//    N x M x 1 and weights [N][K] (SCALE-Sim runs it as an M x K IFMAP with
//    N filters of 1 x K, M*N*K MACs).
// Layer i reads layer i-1's output when that has the shape of its input,
// otherwise a new value listed in Graph::extra_inputs (left zero at run
// time): SCALE-Sim layers are independent. The first layer reads
// Graph::input, the last layer's output is Graph::output.
// Weights are He-uniform, +-sqrt(6 / fan_in), from std::mt19937_64(seed).
//
// Errors throw CompileError "<path>:<line>: column <n> (<name>): expected
// ..., got '...'" (or without the column when the whole row is at fault).
#pragma once

#include <cstdint>
#include <string>

#include "graph.h"

namespace hpvp::compiler {

Graph import_scalesim_csv(const std::string& path, uint64_t seed);

}  // namespace hpvp::compiler
