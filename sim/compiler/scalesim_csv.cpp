#include "scalesim_csv.h"

#include <charconv>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <random>
#include <set>
#include <string_view>
#include <vector>

#include "compile_error.h"

namespace hpvp::compiler {

namespace {

// Column names as SCALE-Sim's example topologies spell them (for messages;
// the header match ignores case and repeated spaces).
constexpr const char* kConvColumns[] = {"Layer name",    "IFMAP Height", "IFMAP Width",
                                        "Filter Height", "Filter Width", "Channels",
                                        "Num Filter",    "Strides"};
constexpr const char* kGemmColumns[] = {"Layer", "M", "N", "K"};
constexpr size_t kConvFields = std::size(kConvColumns);
constexpr size_t kGemmFields = std::size(kGemmColumns);

// Largest tensor (IFMAP, OFMAP or weights) of one layer, 1 GiB of floats:
// the dimensions come from a text file, so a typo must not exhaust memory.
constexpr uint64_t kMaxTensorElements = uint64_t(1) << 28;

enum class Format { kConv, kGemm };

// One non-blank line of the file.
struct Row {
  int line = 0;
  std::string text;  // trimmed
};

// One SCALE-Sim layer in graph terms.
struct Layer {
  std::string name;
  int line = 0;
  bool gemm = false;
  Shape in, out;
  int k_h = 1, k_w = 1, stride_h = 1, stride_w = 1, groups = 1;
};

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

std::vector<std::string> split_fields(std::string_view line) {
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    const size_t comma = line.find(',', start);
    out.emplace_back(trim(line.substr(start, comma == line.npos ? line.npos : comma - start)));
    if (comma == line.npos) return out;
    start = comma + 1;
  }
}

// Lower case with single spaces, to compare header names.
std::string normalize(std::string_view s) {
  std::string out;
  for (char c : trim(s)) {
    const bool space = c == ' ' || c == '\t';
    if (!space)
      out += char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
  }
  return out;
}

template <size_t N>
std::string join(const char* const (&names)[N]) {
  std::string out = names[0];
  for (size_t i = 1; i < N; ++i) out += fmt::format(", {}", names[i]);
  return out;
}

// A header line as SCALE-Sim writes it, with the trailing comma.
template <size_t N>
std::string header(const char* const (&names)[N]) {
  return join(names) + ",";
}

// a * b, saturating, for size checks on dimensions read from the file.
uint64_t sat_mul(uint64_t a, uint64_t b) {
  return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

std::vector<Row> read_rows(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw CompileError(fmt::format("{}: cannot open file", path));
  std::vector<Row> rows;
  std::string line;
  for (int number = 1; std::getline(f, line); ++number) {
    std::string_view text = line;
    if (number == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
    text = trim(text);
    if (!text.empty()) rows.push_back(Row{number, std::string(text)});
  }
  return rows;
}

// Parses the rows of one file into layers, in SCALE-Sim's column order.
class TopologyParser {
 public:
  TopologyParser(std::string path, const Row& head) : path_(std::move(path)) {
    detect_format(head);
  }

  Layer parse(const Row& row) const {
    std::vector<std::string> fields = split_fields(row.text);
    fields.pop_back();  // SCALE-Sim drops the text after the last comma
    Layer l = format_ == Format::kConv ? parse_conv(row, fields) : parse_gemm(row, fields);
    check_sizes(l);
    return l;
  }

 private:
  [[noreturn]] void fail(int line, const std::string& why) const {
    throw CompileError(fmt::format("{}:{}: {}", path_, line, why));
  }
  [[noreturn]] void fail_column(const Row& row, size_t col, const char* name,
                                const std::string& expected, const std::string& got) const {
    fail(row.line,
         fmt::format("column {} ({}): expected {}, got '{}'", col + 1, name, expected, got));
  }

  void detect_format(const Row& head) {
    const std::vector<std::string> cols = split_fields(head.text);
    const std::string second = cols.size() > 1 ? normalize(cols[1]) : "";
    if (second == normalize(kConvColumns[1])) {
      format_ = Format::kConv;
      check_header(head, cols, kConvColumns);
    } else if (second == normalize(kGemmColumns[1])) {
      format_ = Format::kGemm;
      check_header(head, cols, kGemmColumns);
    } else {
      fail(head.line,
           fmt::format("unknown header '{}': expected the SCALE-Sim convolution header '{}' or "
                       "the GEMM header '{}'",
                       head.text, header(kConvColumns), header(kGemmColumns)));
    }
  }

  // The first column is the layer name, whatever its title ("Layer",
  // "Layer name", ...); the stride column may be "Strides" or "Stride height".
  template <size_t N>
  void check_header(const Row& head, const std::vector<std::string>& cols,
                    const char* const (&names)[N]) const {
    for (size_t c = 1; c < N; ++c) {
      const std::string got = c < cols.size() ? normalize(cols[c]) : "";
      const bool stride = N == kConvFields && c == N - 1 && got.rfind("stride", 0) == 0;
      if (got != normalize(names[c]) && !stride)
        fail(head.line,
             fmt::format("column {}: expected header '{}', got '{}' (SCALE-Sim "
                         "header: '{}')",
                         c + 1, names[c], c < cols.size() ? cols[c] : "", header(names)));
    }
  }

  int positive(const Row& row, const std::vector<std::string>& fields, size_t col,
               const char* name) const {
    const std::string& s = fields[col];
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 1 || v > INT_MAX)
      fail_column(row, col, name, "a positive integer", s);
    return int(v);
  }

  // The optional last column f[col], an "N:M" structured-sparsity ratio
  // (newer SCALE-Sim). The NPU layers are dense, so only N = M (SCALE-Sim's
  // default 1:1) is accepted.
  void optional_ratio(const Row& row, const std::vector<std::string>& f, size_t col) const {
    if (col + 1 < f.size())
      fail(row.line, fmt::format("column {}: unexpected field '{}' (a row has at most {} "
                                 "columns and a trailing ',')",
                                 col + 2, f[col + 1], col + 1));
    if (col >= f.size()) return;
    const std::string_view s = f[col];
    const size_t colon = s.find(':');
    const std::string_view n = trim(s.substr(0, colon));
    const std::string_view m = colon == s.npos ? std::string_view() : trim(s.substr(colon + 1));
    if (colon == s.npos || n.empty() || n != m || n.find_first_not_of("0123456789") != n.npos)
      fail_column(row, col, "Sparsity",
                  "a dense ratio N:N such as 1:1 (structured sparsity is not modelled)", f[col]);
  }

  void require_columns(const Row& row, const std::vector<std::string>& fields, size_t n,
                       const std::string& names) const {
    if (fields.size() >= n) return;
    const char* hint =
        row.text.back() == ','
            ? ""
            : " (SCALE-Sim ignores the text after the last comma: end rows with ',')";
    fail(row.line,
         fmt::format("expected {} columns ({}), got {}{}", n, names, fields.size(), hint));
  }

  Layer parse_conv(const Row& row, const std::vector<std::string>& f) const {
    require_columns(row, f, kConvFields, join(kConvColumns));
    const int ih = positive(row, f, 1, kConvColumns[1]), iw = positive(row, f, 2, kConvColumns[2]);
    const int fh = positive(row, f, 3, kConvColumns[3]), fw = positive(row, f, 4, kConvColumns[4]);
    const int ch = positive(row, f, 5, kConvColumns[5]), nf = positive(row, f, 6, kConvColumns[6]);
    const int sh = positive(row, f, 7, kConvColumns[7]);
    // Older SCALE-Sim reads a ninth number as the stride width; newer ones
    // read an N:M sparsity ratio there.
    const bool stride_w = f.size() > kConvFields && f[kConvFields].find(':') == std::string::npos;
    const int sw = stride_w ? positive(row, f, kConvFields, "Stride width") : sh;
    optional_ratio(row, f, kConvFields + (stride_w ? 1 : 0));
    if (fh > ih)
      fail_column(row, 3, kConvColumns[3], fmt::format("at most the IFMAP Height {}", ih), f[3]);
    if (fw > iw)
      fail_column(row, 4, kConvColumns[4], fmt::format("at most the IFMAP Width {}", iw), f[4]);
    Layer l = named_layer(row, f[0]);
    // SCALE-Sim's depthwise convention: one single-channel layer per channel.
    const bool depthwise = l.name.find("DP") != std::string::npos;
    const int64_t out_c = depthwise ? int64_t(ch) * nf : nf;
    if (out_c > INT_MAX)
      fail(row.line, fmt::format("depthwise layer: Channels x Num Filter = {} output channels, "
                                 "more than {}",
                                 out_c, INT_MAX));
    l.in = Shape{ch, ih, iw};
    l.out = Shape{int(out_c), window_out(ih, 0, 0, fh, sh), window_out(iw, 0, 0, fw, sw)};
    l.k_h = fh, l.k_w = fw, l.stride_h = sh, l.stride_w = sw, l.groups = depthwise ? ch : 1;
    return l;
  }

  Layer parse_gemm(const Row& row, const std::vector<std::string>& f) const {
    require_columns(row, f, kGemmFields, join(kGemmColumns));
    const int m = positive(row, f, 1, "M"), n = positive(row, f, 2, "N");
    const int k = positive(row, f, 3, "K");
    optional_ratio(row, f, kGemmFields);
    Layer l = named_layer(row, f[0]);
    l.gemm = true;
    l.in = Shape{k, m, 1};
    l.out = Shape{n, m, 1};
    return l;
  }

  Layer named_layer(const Row& row, const std::string& name) const {
    if (name.empty()) fail(row.line, "column 1 (Layer name): expected a layer name, got ''");
    Layer l;
    l.name = name;
    l.line = row.line;
    return l;
  }

  void check_sizes(const Layer& l) const {
    const uint64_t fan_in = sat_mul(sat_mul(uint64_t(l.in.c / l.groups), l.k_h), l.k_w);
    const uint64_t sizes[] = {sat_mul(sat_mul(l.in.c, l.in.h), l.in.w),
                              sat_mul(sat_mul(l.out.c, l.out.h), l.out.w),
                              sat_mul(fan_in, l.out.c)};
    const char* what[] = {"IFMAP", "OFMAP", "weights"};
    for (size_t i = 0; i < std::size(sizes); ++i)
      if (sizes[i] > kMaxTensorElements)
        fail(l.line, fmt::format("layer '{}': {} has {} elements, more than the limit of {}",
                                 l.name, what[i], sizes[i], kMaxTensorElements));
  }

  std::string path_;
  Format format_ = Format::kConv;
};

// Appends layers to a Graph, chaining each to the previous one when the
// shapes allow it.
class GraphBuilder {
 public:
  GraphBuilder(std::string name, uint64_t seed) : rng_(seed) { g_.name = std::move(name); }

  void add(const Layer& l) {
    Node n;
    n.kind = l.gemm ? OpKind::kGemm : OpKind::kConv;
    n.name = unique_name(l);
    n.inputs = {input_for(l, n.name)};
    n.output = add_value(n.name + ".out", l.out);
    n.k_h = l.k_h, n.k_w = l.k_w, n.stride_h = l.stride_h, n.stride_w = l.stride_w;
    n.groups = l.groups;
    const int fan_in = l.in.c / l.groups * l.k_h * l.k_w;
    n.weights = he_uniform(size_t(l.out.c) * size_t(fan_in), fan_in);
    g_.output = n.output;
    g_.nodes.push_back(std::move(n));
  }

  const Graph& graph() const { return g_; }
  Graph take() { return std::move(g_); }

 private:
  int add_value(std::string name, const Shape& s) {
    g_.values.push_back(Value{std::move(name), s});
    return int(g_.values.size()) - 1;
  }

  int input_for(const Layer& l, const std::string& name) {
    if (g_.nodes.empty()) return g_.input = add_value("input", l.in);
    const int prev = g_.nodes.back().output;
    if (g_.shape(prev) == l.in) return prev;
    const int v = add_value(name + ".in", l.in);
    g_.extra_inputs.push_back(v);
    return v;
  }

  // SCALE-Sim allows repeated layer names; node names must be unique.
  std::string unique_name(const Layer& l) {
    std::string name = l.name;
    for (int i = 2; !names_.insert(name).second; ++i)
      name = fmt::format("{}_line{}{}", l.name, l.line, i == 2 ? "" : fmt::format("_{}", i));
    return name;
  }

  // Uniform in [-sqrt(6/fan_in), sqrt(6/fan_in)) from the top 53 bits of each
  // draw: unlike std::uniform_real_distribution, the same on every standard
  // library, so a seed names the same weights everywhere.
  std::vector<float> he_uniform(size_t count, int fan_in) {
    const double bound = std::sqrt(6.0 / fan_in);
    std::vector<float> w(count);
    for (float& x : w) x = float((double(rng_() >> 11) * 0x1p-53 * 2.0 - 1.0) * bound);
    return w;
  }

  Graph g_;
  std::mt19937_64 rng_;
  std::set<std::string> names_;
};

}  // namespace

Graph import_scalesim_csv(const std::string& path, uint64_t seed) {
  const std::vector<Row> rows = read_rows(path);
  if (rows.empty())
    throw CompileError(
        fmt::format("{}: empty file: expected a SCALE-Sim topology header ('{}' or "
                    "'{}') and one row per layer",
                    path, header(kConvColumns), header(kGemmColumns)));
  const TopologyParser parser(path, rows.front());
  if (rows.size() == 1)
    throw CompileError(fmt::format("{}:{}: no layers after the header", path, rows.front().line));
  GraphBuilder builder(std::filesystem::path(path).stem().string(), seed);
  for (size_t i = 1; i < rows.size(); ++i) {
    const Layer l = parser.parse(rows[i]);
    builder.add(l);
    // Validated row by row so that its errors (the NPU's kernel and stride
    // limits) name the line; topologies have at most a few hundred layers.
    try {
      validate(builder.graph());
    } catch (const CompileError& e) {
      throw CompileError(fmt::format("{}:{}: {}", path, l.line, e.what()));
    }
  }
  return builder.take();
}

}  // namespace hpvp::compiler
