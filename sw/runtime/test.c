/* Minimal self-test harness behind CHECK / CHECK_EQ. */
#include <stdio.h>

#include <hpvp/rt.h>

unsigned rt_checks_passed;
unsigned rt_checks_failed;

void rt_check_failed(const char *file, int line, const char *expr) {
  rt_checks_failed++;
  printf("FAIL %s:%d: %s\n", file, line, expr);
}

void rt_check_eq_failed(const char *file, int line, const char *a_expr, const char *b_expr,
                        uint32_t a, uint32_t b) {
  rt_checks_failed++;
  printf("FAIL %s:%d: %s == %s: 0x%08lx (%ld) != 0x%08lx (%ld)\n", file, line, a_expr, b_expr,
         (unsigned long)a, (long)(int32_t)a, (unsigned long)b, (long)(int32_t)b);
}

void rt_test_group(const char *name) { printf("== %s\n", name); }

int rt_test_summary(void) {
  printf("%u passed, %u failed\n", rt_checks_passed, rt_checks_failed);
  if (rt_checks_failed == 0) return 0;
  return rt_checks_failed > RT_EXIT_TEST_MAX ? RT_EXIT_TEST_MAX : (int)rt_checks_failed;
}
