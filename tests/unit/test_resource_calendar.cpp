// ResourceCalendar: first-fit placement at or after the arrival time,
// merging of touching reservations, pruning behind the horizon, busy time.
#include "common/resource_calendar.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

using hpvp::ResourceCalendar;

namespace {

TEST(ResourceCalendar, FreeResourceStartsAtArrival) {
  ResourceCalendar c;
  EXPECT_EQ(c.reserve(100, 10, 0), 100u);
  EXPECT_EQ(c.pending(), 1u);
  EXPECT_EQ(c.busy_ps(), 10u);
}

TEST(ResourceCalendar, BackToBackRequestsQueueAndMerge) {
  ResourceCalendar c;
  EXPECT_EQ(c.reserve(100, 10, 0), 100u);
  EXPECT_EQ(c.reserve(100, 10, 0), 110u);
  EXPECT_EQ(c.reserve(105, 10, 0), 120u);  // arrival inside a reservation
  EXPECT_EQ(c.reserve(130, 5, 0), 130u);   // touching the end
  EXPECT_EQ(c.pending(), 1u) << "touching reservations merge into [100, 135)";
  EXPECT_EQ(c.busy_ps(), 35u);
}

TEST(ResourceCalendar, EarlierRequestFillsAGap) {
  ResourceCalendar c;
  EXPECT_EQ(c.reserve(100, 10, 0), 100u);  // [100, 110)
  EXPECT_EQ(c.reserve(0, 10, 0), 0u);      // [0, 10): before, no wait
  EXPECT_EQ(c.reserve(5, 10, 0), 10u);     // [10, 20): merges with [0, 10)
  EXPECT_EQ(c.pending(), 2u);
  EXPECT_EQ(c.reserve(85, 10, 0), 85u);    // [85, 95): exactly fits before 100? yes, gap 20..100
  EXPECT_EQ(c.reserve(92, 10, 0), 110u);   // [95, 105) would overlap [100, 110): after it
  EXPECT_EQ(c.pending(), 3u);              // [0,20) [85,95) [100,120)
  EXPECT_EQ(c.reserve(95, 5, 0), 95u);     // exactly fills [95, 100): all merge
  EXPECT_EQ(c.pending(), 2u);              // [0,20) [85,120)
  EXPECT_EQ(c.reserve(20, 65, 0), 20u);    // exactly fills [20, 85)
  EXPECT_EQ(c.pending(), 1u);
  EXPECT_EQ(c.reserve(0, 1, 0), 120u);
  EXPECT_EQ(c.busy_ps(), 10u + 10 + 10 + 10 + 10 + 5 + 65 + 1);
}

TEST(ResourceCalendar, GapTooSmallIsSkipped) {
  ResourceCalendar c;
  c.reserve(0, 10, 0);   // [0, 10)
  c.reserve(15, 10, 0);  // [15, 25)
  c.reserve(30, 10, 0);  // [30, 40)
  EXPECT_EQ(c.reserve(5, 6, 0), 40u) << "gaps of 5 ps cannot hold 6 ps";
  EXPECT_EQ(c.reserve(5, 5, 0), 10u) << "a 5 ps gap holds 5 ps";
}

TEST(ResourceCalendar, ZeroDurationNeverWaitsOrReserves) {
  ResourceCalendar c;
  c.reserve(0, 100, 0);
  EXPECT_EQ(c.reserve(50, 0, 0), 50u);
  EXPECT_EQ(c.pending(), 1u);
  EXPECT_EQ(c.busy_ps(), 100u);
}

TEST(ResourceCalendar, PrunesReservationsEndingBeforeTheHorizon) {
  ResourceCalendar c;
  c.reserve(0, 20, 0);    // [0, 20)
  c.reserve(85, 35, 0);   // [85, 120)
  c.reserve(200, 10, 0);  // [200, 210)
  EXPECT_EQ(c.reserve(300, 1, 20), 300u);  // [0, 20) ends at the horizon: dropped
  EXPECT_EQ(c.pending(), 3u);
  EXPECT_EQ(c.reserve(400, 1, 119), 400u);  // [85, 120) still reaches past 119
  EXPECT_EQ(c.pending(), 4u);
  EXPECT_EQ(c.reserve(500, 1, 250), 500u);  // drops [85,120) and [200,210)
  EXPECT_EQ(c.pending(), 3u);               // [300,301) [400,401) [500,501)
  EXPECT_EQ(c.busy_ps(), 20u + 35 + 10 + 1 + 1 + 1);
}

TEST(ResourceCalendar, PruningDoesNotForgetReservationsAheadOfTheHorizon) {
  ResourceCalendar c;
  EXPECT_EQ(c.reserve(1000, 100, 0), 1000u);
  EXPECT_EQ(c.reserve(1000, 100, 999), 1100u);
  EXPECT_EQ(c.reserve(1050, 10, 1050), 1200u);
}

// Property: against a brute-force model, every reservation starts at the
// earliest time >= arrival at which it overlaps no earlier reservation.
TEST(ResourceCalendar, MatchesBruteForceFirstFit) {
  std::mt19937_64 rng(12345);
  ResourceCalendar c;
  std::vector<std::pair<uint64_t, uint64_t>> taken;  // [start, end)
  auto overlaps = [&](uint64_t s, uint64_t e) {
    for (const auto& [a, b] : taken)
      if (s < b && a < e) return true;
    return false;
  };
  for (int i = 0; i < 2000; ++i) {
    const uint64_t arrival = rng() % 20000;
    const uint64_t duration = 1 + rng() % 50;
    std::vector<uint64_t> candidates = {arrival};
    for (const auto& [a, b] : taken)
      if (b > arrival) candidates.push_back(b);
    std::sort(candidates.begin(), candidates.end());
    uint64_t expect = 0;
    for (uint64_t t : candidates)
      if (!overlaps(t, t + duration)) {
        expect = t;
        break;
      }
    const uint64_t got = c.reserve(arrival, duration, 0);
    ASSERT_EQ(got, expect) << "reservation " << i << " arrival " << arrival << " duration "
                           << duration;
    taken.emplace_back(got, got + duration);
  }
}

}  // namespace
