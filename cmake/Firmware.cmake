# Cross-compiles the bare-metal firmware in sw/ as a sub-build with its own
# toolchain file, so one top-level build produces `vp` and every ELF.
include(ExternalProject)

find_program(RISCV_GCC riscv64-unknown-elf-gcc)
if(NOT RISCV_GCC)
  message(FATAL_ERROR "riscv64-unknown-elf-gcc not found: run scripts/install-deps.sh")
endif()

set(HPVP_FIRMWARE_DIR "${CMAKE_BINARY_DIR}/sw" CACHE INTERNAL "Firmware build directory")
set(_fw_cmake_args
  -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/sw/cmake/riscv32-picolibc.cmake
  -DCMAKE_BUILD_TYPE=Release
  -DHPVP_ROOT=${CMAKE_SOURCE_DIR})
if(CCACHE_PROGRAM)
  list(APPEND _fw_cmake_args -DCMAKE_C_COMPILER_LAUNCHER=${CCACHE_PROGRAM})
endif()

ExternalProject_Add(firmware
  SOURCE_DIR "${CMAKE_SOURCE_DIR}/sw"
  BINARY_DIR "${HPVP_FIRMWARE_DIR}"
  CMAKE_ARGS ${_fw_cmake_args}
  INSTALL_COMMAND ""
  BUILD_ALWAYS ON
  USES_TERMINAL_BUILD ON)
