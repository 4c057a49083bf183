#include "sim_report.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <systemc>

namespace hpvp {

namespace {
void log_handler(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
  using namespace sc_core;
  if (actions & (SC_DISPLAY | SC_LOG)) {
    const std::string text = std::string(report.get_msg_type()) + ": " + report.get_msg();
    switch (report.get_severity()) {
      case SC_INFO:
        spdlog::debug("systemc: {}", text);
        break;
      case SC_WARNING:
        spdlog::warn("systemc: {}", text);
        break;
      default:
        spdlog::error("systemc: {}", text);
        break;
    }
  }
  // Keep SystemC's own behaviour for stop/abort/throw.
  sc_report_handler::default_handler(report, actions & ~(SC_DISPLAY | SC_LOG));
}
}  // namespace

void route_systemc_reports_to_log() {
  static bool done = false;
  if (done) return;
  done = true;
  auto logger = spdlog::stderr_color_mt("vp");
  logger->set_pattern("vp: %l: %v");
  spdlog::set_default_logger(logger);
  sc_core::sc_report_handler::set_handler(log_handler);
}

bool set_log_level(const std::string& level) {
  const auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  spdlog::set_level(lvl);
  return true;
}

}  // namespace hpvp
