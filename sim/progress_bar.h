// One-line progress display on stderr for long runs (vp run --progress,
// vp eval): one bar per job, redrawn in place at most ten times a second.
// Silent when stderr is not a terminal, so logs and CI output stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hpvp {

class ProgressBar {
 public:
  // One job of `total` steps (total 0: disabled).
  explicit ProgressBar(uint32_t total);
  // Several labelled jobs on one line.
  ProgressBar(std::vector<std::string> labels, std::vector<uint32_t> totals);

  void update(uint32_t done) { update(0, done); }
  void update(size_t job, uint32_t done);
  // Draws the final state and ends the line (no-op when nothing was drawn).
  void finish();

 private:
  void draw();

  std::vector<std::string> labels_;
  std::vector<uint32_t> totals_, done_;
  bool enabled_ = false, drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace hpvp
