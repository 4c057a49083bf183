#include "vcd_merge.h"

#include <cstdint>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <sstream>
#include <unordered_map>

namespace hpvp {

namespace {

// Identifier codes for the merged file: base-94 strings of printable ASCII.
std::string make_id(uint64_t n) {
  std::string id;
  do {
    id.push_back(static_cast<char>('!' + n % 94));
    n /= 94;
  } while (n != 0);
  return id;
}

class VcdReader {
 public:
  VcdReader(const VcdInput& in, uint64_t& next_id) : in_(in), file_(in.path) {
    if (!file_) throw VcdError(fmt::format("{}: cannot open waveform", in.path));
    read_header(next_id);
  }

  const std::string& timescale() const { return timescale_; }
  const std::string& declarations() const { return decls_; }

  // The next block of value changes: its time and the renamed lines.
  bool next_block(uint64_t& time, std::vector<std::string>& lines) {
    lines.clear();
    if (done_) return false;
    time = pending_time_;
    std::string line;
    while (std::getline(file_, line)) {
      if (line.empty()) continue;
      if (line.rfind("$comment", 0) == 0) {  // may span lines, e.g. SystemC's note
        while (line.find("$end") == std::string::npos && std::getline(file_, line)) {
        }
        continue;
      }
      if (line[0] == '#') {
        const uint64_t t = parse_time(line);
        if (lines.empty() && !started_) {  // leading "#t" before any change
          time = pending_time_ = t;
          started_ = true;
          continue;
        }
        pending_time_ = t;
        started_ = true;
        return true;
      }
      started_ = true;
      if (std::string renamed = rename(line); !renamed.empty()) lines.push_back(renamed);
    }
    done_ = true;
    return !lines.empty();
  }

 private:
  uint64_t parse_time(const std::string& line) const {
    try {
      return std::stoull(line.substr(1));
    } catch (const std::exception&) {
      throw VcdError(fmt::format("{}: bad time stamp '{}'", in_.path, line));
    }
  }

  const std::string& id_for(const std::string& old) const {
    auto it = ids_.find(old);
    if (it == ids_.end())
      throw VcdError(fmt::format("{}: undeclared identifier '{}'", in_.path, old));
    return it->second;
  }

  // Renames the identifier of one value-change line; keeps $dumpvars etc.
  std::string rename(const std::string& line) const {
    const char c = line[0];
    if (c == '$') return "";  // $dumpvars/$end/$dumpall: the values are kept as changes
    if (c == 'b' || c == 'B' || c == 'r' || c == 'R') {
      const auto space = line.find(' ');
      if (space == std::string::npos)
        throw VcdError(fmt::format("{}: bad value change '{}'", in_.path, line));
      std::string id = line.substr(space + 1);
      while (!id.empty() && (id.back() == ' ' || id.back() == '\r')) id.pop_back();
      return line.substr(0, space + 1) + id_for(id);
    }
    std::string id = line.substr(1);
    while (!id.empty() && (id.back() == ' ' || id.back() == '\r')) id.pop_back();
    return std::string(1, c) + id_for(id);
  }

  void read_header(uint64_t& next_id) {
    std::ostringstream decls;
    if (!in_.scope.empty()) decls << "$scope module " << in_.scope << " $end\n";
    std::string tok;
    while (file_ >> tok) {
      if (tok == "$enddefinitions") {
        file_ >> tok;  // $end
        if (!in_.scope.empty()) decls << "$upscope $end\n";
        decls_ = decls.str();
        return;
      }
      if (tok == "$timescale") {
        std::string part;
        while (file_ >> part && part != "$end") timescale_ += part;  // "1 ps" == "1ps"
      } else if (tok == "$date" || tok == "$version" || tok == "$comment") {
        while (file_ >> tok && tok != "$end") {
        }
      } else if (tok == "$var") {
        std::string type, size, id, rest, part;
        file_ >> type >> size >> id;
        while (file_ >> part && part != "$end") rest += " " + part;
        // Several $var may share a code (aliases, e.g. one clock seen in
        // every module): keep them sharing the renamed code.
        auto [it, fresh_id] = ids_.emplace(id, std::string());
        if (fresh_id) it->second = make_id(next_id++);
        decls << "$var " << type << " " << size << " " << it->second << rest << " $end\n";
      } else if (tok == "$scope") {
        std::string kind, name, end;
        file_ >> kind >> name >> end;
        decls << "$scope " << kind << " " << name << " $end\n";
      } else if (tok == "$upscope") {
        file_ >> tok;
        decls << "$upscope $end\n";
      }
    }
    throw VcdError(fmt::format("{}: no $enddefinitions (not a VCD file, or truncated)", in_.path));
  }

  VcdInput in_;
  std::ifstream file_;
  std::string timescale_;
  std::string decls_;
  std::unordered_map<std::string, std::string> ids_;
  uint64_t pending_time_ = 0;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace

void merge_vcd(const std::vector<VcdInput>& inputs, const std::string& output) {
  if (inputs.empty()) throw VcdError("no waveforms to merge");
  uint64_t next_id = 0;
  std::vector<std::unique_ptr<VcdReader>> readers;
  for (const auto& in : inputs) {
    readers.push_back(std::make_unique<VcdReader>(in, next_id));
    if (readers.back()->timescale() != readers.front()->timescale())
      throw VcdError(fmt::format("{}: $timescale '{}' differs from {}'s '{}'", in.path,
                                 readers.back()->timescale(), inputs.front().path,
                                 readers.front()->timescale()));
  }
  std::ofstream out(output);
  if (!out) throw VcdError(fmt::format("{}: cannot write waveform", output));
  out << "$version HPVP vp (merged SystemC + RTL waveform) $end\n";
  out << "$timescale " << readers.front()->timescale() << " $end\n";
  for (const auto& r : readers) out << r->declarations();
  out << "$enddefinitions $end\n";

  // k-way merge of the time-ordered blocks.
  struct Head {
    bool valid;
    uint64_t time;
    std::vector<std::string> lines;
  };
  std::vector<Head> heads(readers.size());
  for (size_t i = 0; i < readers.size(); ++i)
    heads[i].valid = readers[i]->next_block(heads[i].time, heads[i].lines);
  bool first = true;
  uint64_t last_time = 0;
  while (true) {
    size_t pick = heads.size();
    for (size_t i = 0; i < heads.size(); ++i)
      if (heads[i].valid && (pick == heads.size() || heads[i].time < heads[pick].time)) pick = i;
    if (pick == heads.size()) break;
    Head& h = heads[pick];
    if (first || h.time != last_time) {
      out << '#' << h.time << '\n';
      last_time = h.time;
      first = false;
    }
    for (const auto& l : h.lines) out << l << '\n';
    h.valid = readers[pick]->next_block(h.time, h.lines);
  }
  if (!out) throw VcdError(fmt::format("{}: write failed", output));
}

}  // namespace hpvp
