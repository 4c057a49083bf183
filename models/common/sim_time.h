// Conversions between sc_time and integer picoseconds, the unit the models
// keep local time in (the simulation's time resolution is 1 ps).
#pragma once

#include <cstdint>
#include <systemc>

namespace hpvp {

inline uint64_t to_ps(const sc_core::sc_time& t) {
  static const uint64_t ticks_per_ps = sc_core::sc_time(1, sc_core::SC_PS).value();
  return t.value() / ticks_per_ps;
}

inline sc_core::sc_time from_ps(uint64_t ps) {
  return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS);
}

}  // namespace hpvp
