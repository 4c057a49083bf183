// Routing of SystemC's own reports (which go to stdout by default) to the
// log on stderr, so stdout carries only what the firmware prints.
#pragma once

#include <string>

namespace hpvp {

void route_systemc_reports_to_log();
// Sets the spdlog level from a name (trace, debug, info, warn, error, off);
// returns false for an unknown name.
bool set_log_level(const std::string& level);

}  // namespace hpvp
