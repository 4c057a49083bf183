#include "resource_calendar.h"

#include <iterator>

namespace hpvp {

uint64_t ResourceCalendar::reserve(uint64_t arrival, uint64_t duration, uint64_t horizon) {
  // Forget reservations that ended before any initiator can still arrive.
  while (!slots_.empty() && slots_.begin()->second <= horizon) slots_.erase(slots_.begin());
  busy_ps_ += duration;
  if (duration == 0) return arrival;

  // Common case: the request comes after every reservation. Extend the last
  // one when they touch, so streams of back-to-back transfers allocate no
  // map nodes.
  if (slots_.empty() || arrival >= slots_.rbegin()->second) {
    if (!slots_.empty() && arrival == slots_.rbegin()->second)
      slots_.rbegin()->second += duration;
    else
      slots_.emplace_hint(slots_.end(), arrival, arrival + duration);
    return arrival;
  }

  uint64_t start = arrival;
  auto it = slots_.upper_bound(start);
  if (it != slots_.begin()) {
    auto prev = std::prev(it);
    if (prev->second > start) start = prev->second;  // arrival falls inside a reservation
  }
  while (it != slots_.end() && it->first < start + duration) {
    start = it->second;  // gap too small: try after this reservation
    ++it;
  }
  // Insert [start, start+duration), merging with touching neighbours.
  uint64_t end = start + duration;
  uint64_t begin = start;
  auto next = slots_.lower_bound(start);
  if (next != slots_.end() && next->first == end) {
    end = next->second;
    next = slots_.erase(next);
  }
  if (next != slots_.begin()) {
    auto prev = std::prev(next);
    if (prev->second == begin) {
      begin = prev->first;
      slots_.erase(prev);
    }
  }
  slots_[begin] = end;
  return start;
}

}  // namespace hpvp
