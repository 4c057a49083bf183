// Reservation calendar for a shared resource (bus, memory port, DRAM channel)
// under loosely-timed modelling with temporal decoupling.
//
// Initiators run ahead of SystemC time by up to one quantum and arrive in
// host order, not in simulated-time order. A simple "busy until" register
// would make an early request that arrives late in host order queue behind
// a later one; the calendar instead places each transfer in the first free
// gap at or after its own arrival time, so the resource is never used by two
// transfers at once and idle gaps are not lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace hpvp {

class ResourceCalendar {
 public:
  // Reserves `duration` ps at the earliest start >= `arrival`; returns the
  // start. `horizon` is the current SystemC time in ps: no initiator can
  // arrive before it, so older reservations are dropped.
  uint64_t reserve(uint64_t arrival, uint64_t duration, uint64_t horizon);
  uint64_t busy_ps() const { return busy_ps_; }
  size_t pending() const { return slots_.size(); }

 private:
  std::map<uint64_t, uint64_t> slots_;  // start -> end (exclusive), disjoint, sorted
  uint64_t busy_ps_ = 0;
};

}  // namespace hpvp
