// Entry point for GoogleTest binaries linked with libsystemc: libsystemc owns
// main() and calls sc_main(), which runs the selected test cases. Each test
// runs in its own process (gtest_discover_tests), because SystemC can
// elaborate and simulate only once per process.
#include <gtest/gtest.h>
#include <systemc>

extern "C" int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
