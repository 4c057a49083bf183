// Models that keep counters implement StatsSource; the platform collects
// them into the JSON written by `vp run --stats`.
#pragma once

#include <nlohmann/json.hpp>

namespace hpvp {

class StatsSource {
 public:
  virtual ~StatsSource() = default;
  // Fills `out` (an object) with this model's counters.
  virtual void dump_stats(nlohmann::json& out) const = 0;
};

}  // namespace hpvp
