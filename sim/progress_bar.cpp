#include "progress_bar.h"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <unistd.h>

namespace hpvp {

ProgressBar::ProgressBar(uint32_t total)
    : ProgressBar(std::vector<std::string>{""}, std::vector<uint32_t>{total}) {}

ProgressBar::ProgressBar(std::vector<std::string> labels, std::vector<uint32_t> totals)
    : labels_(std::move(labels)), totals_(std::move(totals)), done_(totals_.size(), 0) {
  uint32_t sum = 0;
  for (uint32_t t : totals_) sum += t;
  enabled_ = sum > 0 && isatty(STDERR_FILENO);
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void ProgressBar::update(size_t job, uint32_t done) {
  if (!enabled_ || job >= done_.size()) return;
  done_[job] = done;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw();
}

void ProgressBar::draw() {
  const int width = labels_.size() > 1 ? 20 : 40;
  std::string line = "\r";
  for (size_t j = 0; j < totals_.size(); ++j) {
    const double f = totals_[j] ? std::min(1.0, double(done_[j]) / totals_[j]) : 1.0;
    const int fill = int(f * width);
    line += fmt::format("{}{}[{}{}] {}/{} ", labels_[j], labels_[j].empty() ? "" : " ",
                        std::string(size_t(fill), '#'), std::string(size_t(width - fill), ' '),
                        done_[j], totals_[j]);
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  line += fmt::format("{:.1f} s ", secs);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!enabled_ || !drawn_) return;
  draw();
  std::fputs("\n", stderr);
  enabled_ = false;
}

}  // namespace hpvp
