# CMake toolchain file: bare-metal RV32IMC (M-mode only) with picolibc, using
# Debian's riscv64-unknown-elf-gcc multilib toolchain.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)

set(_triple riscv64-unknown-elf)
find_program(CMAKE_C_COMPILER ${_triple}-gcc REQUIRED)
set(CMAKE_ASM_COMPILER ${CMAKE_C_COMPILER})
find_program(CMAKE_OBJDUMP ${_triple}-objdump REQUIRED)
find_program(CMAKE_OBJCOPY ${_triple}-objcopy REQUIRED)
find_program(CMAKE_SIZE ${_triple}-size)

# -misa-spec=2.2 keeps Zicsr/Zifencei implied by "i" (gcc 12 defaults to the
# 20191213 spec, where they are separate) and selects the rv32im/ilp32 picolibc
# multilib. The C extension does not change the multilib choice.
set(HPVP_RISCV_ARCH_FLAGS "-march=rv32imc -mabi=ilp32 -misa-spec=2.2")

# The flags go into CMAKE_<LANG>_FLAGS, which CMake also puts on the link line
# of C executables. --specs=picolibc.specs must appear exactly once on a link
# line (it %renames spec strings), so it is not repeated in the linker flags.
set(CMAKE_C_FLAGS_INIT "${HPVP_RISCV_ARCH_FLAGS} --specs=picolibc.specs")
set(CMAKE_ASM_FLAGS_INIT "${HPVP_RISCV_ARCH_FLAGS} --specs=picolibc.specs")

# No startup files or linker script exist yet when CMake probes the compiler,
# so only compile (not link) during those checks.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
