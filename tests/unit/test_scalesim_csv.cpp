// SCALE-Sim topology CSV import (sim/compiler/scalesim_csv.h): both formats,
// layer chaining, seeded weights and the error messages.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "compile_error.h"
#include "scalesim_csv.h"

namespace hpvp::compiler {
namespace {

const char kConvHeader[] =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
    "Strides,\n";
const char kGemmHeader[] = "Layer, M, N, K,\n";

// Writes `text` to a file named after the running test, so a failing test
// leaves its input behind for inspection.
std::string write_csv(const std::string& text, const std::string& suffix = "") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "_" + info->name() + suffix;
  for (char& c : name)
    if (c == '/') c = '_';
  const std::string path = ::testing::TempDir() + name + ".csv";
  std::ofstream(path) << text;
  return path;
}

// A SCALE-Sim conv layer and the MACs SCALE-Sim reports for it.
struct ConvRow {
  int ih, iw, fh, fw, c, nf, stride;
  int oh() const { return (ih - fh) / stride + 1; }
  int ow() const { return (iw - fw) / stride + 1; }
  uint64_t macs() const { return uint64_t(oh()) * ow() * fh * fw * c * nf; }
};

TEST(ScaleSimCsv, ConvFormatShapesMacsAndChaining) {
  const std::vector<ConvRow> rows = {
      {34, 34, 3, 3, 3, 8, 1},      // -> 8x32x32
      {32, 32, 2, 2, 8, 16, 2},     // chained -> 16x16x16
      {18, 18, 3, 3, 16, 16, 1},    // padding folded in: not chained -> 16x16x16
      {16, 16, 16, 16, 16, 10, 1},  // chained -> 10x1x1
  };
  std::string text = kConvHeader;
  uint64_t macs = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const ConvRow& r = rows[i];
    text += "l" + std::to_string(i) + ", " + std::to_string(r.ih) + ", " + std::to_string(r.iw) +
            ", " + std::to_string(r.fh) + ", " + std::to_string(r.fw) + ", " + std::to_string(r.c) +
            ", " + std::to_string(r.nf) + ", " + std::to_string(r.stride) + ",\n";
    macs += r.macs();
  }
  const Graph g = import_scalesim_csv(write_csv(text), 1);

  ASSERT_EQ(g.nodes.size(), rows.size());
  EXPECT_EQ(g.macs(), macs);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Node& n = g.nodes[i];
    const ConvRow& r = rows[i];
    EXPECT_EQ(n.kind, OpKind::kConv);
    EXPECT_EQ(n.name, "l" + std::to_string(i));
    EXPECT_EQ(g.shape(n.inputs.at(0)), (Shape{r.c, r.ih, r.iw}));
    EXPECT_EQ(g.shape(n.output), (Shape{r.nf, r.oh(), r.ow()}));
    EXPECT_EQ(n.k_h, r.fh);
    EXPECT_EQ(n.stride_w, r.stride);
    EXPECT_EQ(n.pad_top + n.pad_left + n.pad_bottom + n.pad_right, 0);
    EXPECT_EQ(n.weights.size(), size_t(r.nf) * r.c * r.fh * r.fw);
    EXPECT_TRUE(n.bias.empty());
  }
  EXPECT_EQ(g.nodes[0].inputs[0], g.input);
  EXPECT_EQ(g.nodes[1].inputs[0], g.nodes[0].output);
  EXPECT_EQ(g.nodes[3].inputs[0], g.nodes[2].output);
  ASSERT_EQ(g.extra_inputs.size(), 1u);
  EXPECT_EQ(g.nodes[2].inputs[0], g.extra_inputs[0]);
  EXPECT_EQ(g.output, g.nodes.back().output);
  EXPECT_EQ(g.name, "ScaleSimCsv_ConvFormatShapesMacsAndChaining");
  EXPECT_NO_THROW(validate(g));
}

TEST(ScaleSimCsv, GemmFormatShapesMacsAndChaining) {
  struct Mnk {
    int m, n, k;
  };
  const std::vector<Mnk> rows = {{64, 96, 32}, {64, 32, 96}, {16, 8, 32}};
  std::string text = kGemmHeader;
  uint64_t macs = 0;
  for (const Mnk& r : rows) {
    text += "g, " + std::to_string(r.m) + ", " + std::to_string(r.n) + ", " + std::to_string(r.k) +
            ",\n";
    macs += uint64_t(r.m) * r.n * r.k;
  }
  const Graph g = import_scalesim_csv(write_csv(text), 7);

  ASSERT_EQ(g.nodes.size(), rows.size());
  EXPECT_EQ(g.macs(), macs);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Node& n = g.nodes[i];
    EXPECT_EQ(n.kind, OpKind::kGemm);
    EXPECT_EQ(g.shape(n.inputs.at(0)), (Shape{rows[i].k, rows[i].m, 1}));
    EXPECT_EQ(g.shape(n.output), (Shape{rows[i].n, rows[i].m, 1}));
    EXPECT_EQ(n.weights.size(), size_t(rows[i].n) * rows[i].k);
  }
  // Repeated layer names are made unique.
  EXPECT_EQ(g.nodes[0].name, "g");
  EXPECT_NE(g.nodes[1].name, g.nodes[0].name);
  EXPECT_NE(g.nodes[2].name, g.nodes[1].name);
  // K of layer 1 = N of layer 0 with the same M: chained; layer 2 has another M.
  EXPECT_EQ(g.nodes[1].inputs[0], g.nodes[0].output);
  EXPECT_EQ(g.extra_inputs, std::vector<int>{g.nodes[2].inputs[0]});
  EXPECT_NO_THROW(validate(g));
}

// Rows as SCALE-Sim's own example topologies write them.
TEST(ScaleSimCsv, ScaleSimQuirks) {
  const std::string text = std::string("\xEF\xBB\xBF") +  // BOM of spreadsheet exports
                           "layer NAME,ifmap height,IFMAP width,Filter height,Filter width,"
                           "Channels,Num filter,Stride height,Stride width,\n"
                           "\n"
                           "\tc1, 10, 12, 3, 3, 4, 6, 1, 2,\n"  // separate stride width
                           "c2_DP, 8, 5, 3, 3, 6, 2, 1,#dw\n"   // depthwise; note after the comma
                           "c3, 6, 3, 1, 1, 12, 5, 1, 1:1,\n"   // dense sparsity ratio
                           "\n";
  const Graph g = import_scalesim_csv(write_csv(text), 3);
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.shape(g.nodes[0].output), (Shape{6, 8, 5}));
  EXPECT_EQ(g.nodes[0].stride_h, 1);
  EXPECT_EQ(g.nodes[0].stride_w, 2);
  // SCALE-Sim runs a "DP" layer as one single-channel layer per channel.
  const Node& dw = g.nodes[1];
  EXPECT_EQ(dw.groups, 6);
  EXPECT_EQ(dw.inputs[0], g.nodes[0].output);
  EXPECT_EQ(g.shape(dw.output), (Shape{12, 6, 3}));
  EXPECT_EQ(dw.weights.size(), size_t(12) * 1 * 3 * 3);
  EXPECT_EQ(g.nodes[2].inputs[0], dw.output);
  const uint64_t macs =
      uint64_t(8) * 5 * 3 * 3 * 4 * 6 + 6 * (uint64_t(6) * 3 * 3 * 3 * 1 * 2) + 6 * 3 * 12 * 5;
  EXPECT_EQ(g.macs(), macs);
}

TEST(ScaleSimCsv, WeightsAreSeededHeUniform) {
  const std::string path =
      write_csv(std::string(kConvHeader) + "a, 9, 9, 3, 3, 16, 32, 1,\nb, 7, 7, 1, 1, 32, 8, 1,\n");
  const Graph a = import_scalesim_csv(path, 42);
  const Graph b = import_scalesim_csv(path, 42);
  const Graph c = import_scalesim_csv(path, 43);
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].weights, b.nodes[i].weights);
    EXPECT_NE(a.nodes[i].weights, c.nodes[i].weights);
  }
  const std::vector<float>& w = a.nodes[0].weights;
  const double bound = std::sqrt(6.0 / (16 * 3 * 3));
  double sum = 0, lo = 0, hi = 0;
  for (float x : w) {
    EXPECT_LE(std::abs(x), bound);
    sum += x;
    lo = std::min<double>(lo, x);
    hi = std::max<double>(hi, x);
  }
  EXPECT_LT(std::abs(sum / double(w.size())), 0.05 * bound);  // 4608 draws: mean near 0
  EXPECT_GT(hi, 0.95 * bound);                                // and the range is used
  EXPECT_LT(lo, -0.95 * bound);
}

// The topologies of zoo/scalesim/, against MACs computed from the networks.
TEST(ScaleSimCsv, ZooTopologies) {
  const std::string dir = std::string(HPVP_SOURCE_DIR) + "/zoo/scalesim/";
  const Graph resnet = import_scalesim_csv(dir + "resnet18_conv.csv", 1);
  EXPECT_EQ(resnet.nodes.size(), 21u);  // 20 convolutions and the classifier
  // torchvision resnet18 at 224x224: 1,813,561,344 conv MACs + 512 x 1000 FC.
  EXPECT_EQ(resnet.macs(), 1813561344u + 512000u);
  EXPECT_EQ(resnet.shape(resnet.nodes[0].output), (Shape{64, 112, 112}));
  EXPECT_EQ(resnet.shape(resnet.output), (Shape{1000, 1, 1}));

  const Graph mlp = import_scalesim_csv(dir + "mlp_gemm.csv", 1);
  EXPECT_EQ(mlp.macs(), 16u * (784 * 512 + 512 * 256 + 256 * 10));
  EXPECT_TRUE(mlp.extra_inputs.empty());
  EXPECT_EQ(mlp.shape(mlp.output), (Shape{10, 16, 1}));

  const Graph block = import_scalesim_csv(dir + "transformer_block_gemm.csv", 1);
  EXPECT_EQ(block.macs(), 64u * (192 * 576 + 3 * 2 * 64 * 64 + 192 * 192 + 192 * 768 + 768 * 192));
  EXPECT_EQ(block.extra_inputs.size(), 2u);  // the first QK^T and the projection
}

struct BadCsv {
  const char* name;
  std::string text;
  int line;                        // 0: the message names the file only
  std::vector<std::string> parts;  // substrings of the message
};

std::ostream& operator<<(std::ostream& os, const BadCsv& b) { return os << b.name; }

class ScaleSimCsvError : public ::testing::TestWithParam<BadCsv> {};

TEST_P(ScaleSimCsvError, NamesFileLineAndExpectation) {
  const BadCsv& bad = GetParam();
  const std::string path = write_csv(bad.text);
  try {
    import_scalesim_csv(path, 1);
    FAIL() << "no error for " << bad.name;
  } catch (const CompileError& e) {
    const std::string msg = e.what();
    const std::string where = bad.line ? path + ":" + std::to_string(bad.line) + ":" : path + ":";
    EXPECT_EQ(msg.rfind(where, 0), 0u) << msg;
    for (const std::string& part : bad.parts) EXPECT_NE(msg.find(part), std::string::npos) << msg;
  }
}

const std::string kConv = kConvHeader;
const std::string kGemm = kGemmHeader;

INSTANTIATE_TEST_SUITE_P(
    ScaleSimCsv, ScaleSimCsvError,
    ::testing::Values(
        BadCsv{"EmptyFile", "", 0, {"empty file", "IFMAP Height"}},
        BadCsv{"BlankLinesOnly", "\n  \n\n", 0, {"empty file"}},
        BadCsv{"UnknownHeader", "name, height, width,\n", 1, {"unknown header", "M, N, K"}},
        BadCsv{"WrongHeaderColumn",
               "Layer name, IFMAP Height, IFMAP Width, Filter Width, Filter Height, Channels, "
               "Num Filter, Strides,\n",
               1,
               {"column 4", "expected header 'Filter Height'"}},
        BadCsv{"NoLayers", kGemm + "\n", 1, {"no layers"}},
        BadCsv{"NonNumeric",
               kConv + "\nc1, 32, 3x2, 3, 3, 3, 8, 1,\n",
               3,
               {"column 3 (IFMAP Width)", "expected a positive integer", "'3x2'"}},
        BadCsv{"Negative", kGemm + "g, 4, -4, 4,\n", 2, {"column 3 (N)", "'-4'"}},
        BadCsv{
            "MissingColumns", kConv + "c1, 32, 32, 3, 3, 3,\n", 2, {"expected 8 columns", "got 6"}},
        BadCsv{"NoTrailingComma",
               kGemm + "g, 4, 4, 4\n",
               2,
               {"expected 4 columns", "got 3", "end rows with ','"}},
        BadCsv{"FilterLargerThanIfmap",
               kConv + "c1, 32, 2, 3, 3, 3, 8, 1,\n",
               2,
               {"column 5 (Filter Width)", "at most the IFMAP Width 2"}},
        BadCsv{"ZeroStride",
               kConv + "c1, 32, 32, 3, 3, 3, 8, 0,\n",
               2,
               {"column 8 (Strides)", "positive integer", "'0'"}},
        BadCsv{"ZeroStrideWidth",
               kConv + "c1, 32, 32, 3, 3, 3, 8, 1, 0,\n",
               2,
               {"column 9 (Stride width)", "'0'"}},
        BadCsv{"TooManyColumns",
               kGemm + "g, 4, 4, 4, 1:1, 7,\n",
               2,
               {"column 6", "unexpected field '7'"}},
        BadCsv{"SparseRatio",
               kGemm + "g, 4, 4, 4, 2:4,\n",
               2,
               {"column 5 (Sparsity)", "dense ratio", "'2:4'"}},
        BadCsv{"EmptyName", kGemm + ", 4, 4, 4,\n", 2, {"column 1 (Layer name)"}},
        BadCsv{"Overflow", kGemm + "g, 4, 4, 99999999999,\n", 2, {"column 4 (K)"}},
        BadCsv{"TooLarge",
               kGemm + "g, 65536, 65536, 65536,\n",
               2,
               {"layer 'g'", "IFMAP has 4294967296 elements"}},
        BadCsv{"NpuKernelLimit",
               kConv + "ok, 8, 8, 1, 1, 1, 1, 1,\nc1, 300, 8, 256, 1, 1, 1, 1,\n",
               3,
               {"'c1'", "at most 255"}}),
    [](const ::testing::TestParamInfo<BadCsv>& info) { return std::string(info.param.name); });

TEST(ScaleSimCsv, MissingFile) {
  const std::string path = ::testing::TempDir() + "no_such_topology.csv";
  try {
    import_scalesim_csv(path, 1);
    FAIL();
  } catch (const CompileError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": cannot open file");
  }
}

}  // namespace
}  // namespace hpvp::compiler
