# Integration tests: boot firmware in `vp` and check UART output, exit codes,
# stats, traces and errors; run the same ELFs on QEMU's virt machine.
set(_it ${CMAKE_CURRENT_LIST_DIR})
set(_vp $<TARGET_FILE:vp>)
set(_fw ${CMAKE_BINARY_DIR}/sw)
set(_virt ${CMAKE_SOURCE_DIR}/configs/virt.yaml)
set(_expect ${_it}/expect_run.sh)

function(hpvp_vp_test name)
  add_test(NAME ${name} COMMAND ${_expect} ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS integration TIMEOUT 300)
endfunction()

if(HPVP_BUILD_FIRMWARE)
  hpvp_vp_test(vp.hello --exit 0 --stdout "^Hello from HPVP!$"
    --stderr "firmware passed" -- ${_vp} run --config ${_virt} --firmware ${_fw}/hello.elf)
  foreach(t selftest_isa selftest_rvc selftest_traps selftest_irq)
    hpvp_vp_test(vp.${t} --exit 0 --stdout "^[0-9]+ passed, 0 failed$"
      -- ${_vp} run --config ${_virt} --firmware ${_fw}/${t}.elf)
  endforeach()
  hpvp_vp_test(vp.cpubench --exit 0 --stdout "passed, 0 failed"
    -- ${_vp} run --config ${_virt} --firmware ${_fw}/cpubench.elf)
  # The deliberately faulting firmware: its handler prints cause/pc/tval and
  # exits non-zero; the VP names the last trap with pc, address and time.
  hpvp_vp_test(vp.fault_report --nonzero
    --stdout "TRAP: mcause=0x00000005 \\(load access fault\\) mepc=0x8[0-9a-f]+ mtval=0x00200000"
    --stderr "last trap: load access fault .*pc=0x8[0-9a-f]+, mtval=0x00200000, time [0-9.]+ us"
    -- ${_vp} run --config ${_virt} --firmware ${_fw}/fault.elf)
  hpvp_vp_test(vp.timeout --exit 124 --stderr "timeout: --max-time"
    -- ${_vp} run --config ${_virt} --firmware ${_fw}/cpubench.elf --max-time "100 us")
  hpvp_vp_test(vp.bad_quantum --exit 125 --stderr "--quantum"
    -- ${_vp} run --config ${_virt} --firmware ${_fw}/hello.elf --quantum fast)
  hpvp_vp_test(vp.quantum_invariance --exit 0 --stdout "^[0-9]+ passed, 0 failed$"
    -- ${_vp} run --config ${_virt} --firmware ${_fw}/selftest_irq.elf --quantum "100 ns")
  hpvp_vp_test(vp.not_an_elf --exit 125 --stderr "virt.yaml: not an ELF"
    -- ${_vp} run --config ${_virt} --firmware ${_virt})
  add_test(NAME vp.deterministic COMMAND ${_it}/deterministic_stats.sh ${_vp} ${_virt} ${_fw}/selftest_irq.elf)
  add_test(NAME vp.trace_vcd COMMAND ${_it}/trace_vcd.sh ${_vp} ${_virt} ${_fw}/hello.elf)
  set_tests_properties(vp.deterministic vp.trace_vcd PROPERTIES LABELS integration TIMEOUT 300)

  # Reference machine: the same ELFs pass on qemu-system-riscv32 -M virt.
  find_program(QEMU_RV32 qemu-system-riscv32)
  if(QEMU_RV32)
    foreach(t hello selftest_isa selftest_rvc selftest_traps selftest_irq)
      add_test(NAME qemu.${t} COMMAND ${CMAKE_SOURCE_DIR}/sw/scripts/run-qemu.sh ${_fw}/${t}.elf)
      set_tests_properties(qemu.${t} PROPERTIES LABELS qemu TIMEOUT 120)
    endforeach()
    add_test(NAME qemu.same_output_hello COMMAND ${_it}/compare_with_qemu.sh ${_vp} ${_virt}
      ${_fw}/hello.elf "Hello")
    add_test(NAME qemu.same_checksums_cpubench COMMAND ${_it}/compare_with_qemu.sh ${_vp} ${_virt}
      ${_fw}/cpubench.elf "checksum=")
    set_tests_properties(qemu.same_output_hello qemu.same_checksums_cpubench PROPERTIES
      LABELS qemu TIMEOUT 300)
  else()
    message(WARNING "qemu-system-riscv32 not found: QEMU reference tests are not registered")
  endif()
endif()

# Malformed configs: each fixture must be rejected with exit 125 and a
# message naming the file and line.
file(GLOB _bad_configs ${CMAKE_SOURCE_DIR}/tests/data/bad_configs/*.yaml)
foreach(cfg ${_bad_configs})
  get_filename_component(n ${cfg} NAME_WE)
  hpvp_vp_test(vp.bad_config.${n} --exit 125 --stderr "config error: .*${n}\\.yaml(:[0-9]+)?"
    -- ${_vp} run --config ${cfg} --firmware ${cfg})
endforeach()

# RTL-vs-TLM equivalence through the whole platform (needs Verilator).
if(HPVP_BUILD_FIRMWARE AND TARGET hpvp_rtl)
  add_test(NAME equivalence.npu_net.biglittle_rtl COMMAND ${_it}/rtl_equivalence.sh ${_vp}
    ${CMAKE_SOURCE_DIR}/configs/biglittle.yaml ${CMAKE_SOURCE_DIR}/configs/biglittle_rtl.yaml
    ${_fw}/npu_net.elf)
  set_tests_properties(equivalence.npu_net.biglittle_rtl PROPERTIES LABELS "integration;equivalence" TIMEOUT 300)
endif()
if(HPVP_BUILD_FIRMWARE AND TARGET hpvp_rtl)
  add_test(NAME wave.rtl_and_systemc COMMAND ${_it}/wave_rtl.sh ${_vp}
    ${CMAKE_SOURCE_DIR}/configs/biglittle_rtl.yaml ${_fw}/npu_net.elf)
  set_tests_properties(wave.rtl_and_systemc PROPERTIES LABELS "integration;equivalence" TIMEOUT 300)
endif()

# Model compiler (sim/compiler): `vp compile` rejects bad models and
# mappings with exit 125 and a one-line message naming the file / unit /
# layer; with the runner firmware, `vp eval` accuracy and determinism on
# Fashion-MNIST and `vp run --model` per-layer stats of a zoo model.
set(_biglittle ${CMAKE_SOURCE_DIR}/configs/biglittle.yaml)
set(_bad_models ${CMAKE_SOURCE_DIR}/tests/data/bad_models)
set(_fmnist_onnx ${CMAKE_SOURCE_DIR}/zoo/fashion_mnist/fashion_mnist_cnn.onnx)
set(_fmnist_workload ${CMAKE_SOURCE_DIR}/configs/workloads/fashion_mnist.yaml)
set(_bad_out ${CMAKE_CURRENT_BINARY_DIR}/bad_model.hpvm)
hpvp_vp_test(vp.compile.bad_model.truncated --exit 125
  --stderr "^vp: model error: .*/truncated\\.onnx: not a valid ONNX model \\(.*truncated or corrupt\\)$"
  -- ${_vp} compile --config ${_biglittle} --model ${_bad_models}/truncated.onnx --map big0 -o ${_bad_out})
hpvp_vp_test(vp.compile.bad_model.empty --exit 125
  --stderr "^vp: model error: .*/empty\\.onnx: empty file"
  -- ${_vp} compile --config ${_biglittle} --model ${_bad_models}/empty.onnx --map big0 -o ${_bad_out})
hpvp_vp_test(vp.compile.bad_model.text --exit 125
  --stderr "^vp: model error: .*/text\\.onnx: not a valid ONNX model"
  -- ${_vp} compile --config ${_biglittle} --model ${_bad_models}/text.onnx --map big0 -o ${_bad_out})
hpvp_vp_test(vp.compile.bad_model.unsupported_op --exit 125
  --stderr "^vp: model error: .*/sigmoid\\.onnx: node 'gate' \\(op Sigmoid\\): unsupported operator"
  -- ${_vp} compile --config ${_biglittle} --model ${_bad_models}/sigmoid.onnx --map big0 -o ${_bad_out})
hpvp_vp_test(vp.compile.unknown_unit --exit 125
  --stderr "^vp: model error: .*unknown unit 'npu9'.*big0, big1, little0, little1"
  -- ${_vp} compile --config ${_biglittle} --model ${_fmnist_onnx} --map npu9 -o ${_bad_out})
hpvp_vp_test(vp.compile.unknown_layer --exit 125
  --stderr "^vp: model error: .*no layer named 'conv99'"
  -- ${_vp} compile --config ${_biglittle} --model ${_fmnist_onnx} --map big0,conv99=little0
  -o ${_bad_out})

if(HPVP_BUILD_FIRMWARE)
  if(EXISTS /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz)
    add_test(NAME vp.eval.fashion_mnist_accuracy COMMAND ${_it}/model_eval_accuracy.sh ${_vp}
      ${_biglittle} ${_fmnist_workload} ${_fw}/model_runner.elf)
    add_test(NAME vp.eval.deterministic COMMAND ${_it}/model_eval_deterministic.sh ${_vp}
      ${_biglittle} ${_fmnist_workload})
    set_tests_properties(vp.eval.fashion_mnist_accuracy vp.eval.deterministic PROPERTIES
      LABELS integration TIMEOUT 120)
  else()
    message(STATUS "Fashion-MNIST not in /usr/share/datasets: vp eval tests not registered")
  endif()
  if(DEFINED HPVP_ZOO_DIR)
    add_test(NAME vp.run_model.resnet8_stats COMMAND ${_it}/model_run_stats.sh ${_vp} ${_biglittle}
      ${_fw}/model_runner.elf ${HPVP_ZOO_DIR}/resnet8.onnx big0
      "big0,/stages/stages.1/conv1/Conv=little0,/fc/Gemm=little1")
    # The issue's 224x224 networks end to end: per-layer cycles and energy.
    add_test(NAME vp.run_model.resnet18_stats COMMAND ${_it}/model_run_stats.sh ${_vp}
      ${_biglittle} ${_fw}/model_runner.elf ${HPVP_ZOO_DIR}/resnet18.onnx big0
      "big0,/fc/Gemm=little0")
    add_test(NAME vp.run_model.mobilenet_v2_stats COMMAND ${_it}/model_run_stats.sh ${_vp}
      ${_biglittle} ${_fw}/model_runner.elf ${HPVP_ZOO_DIR}/mobilenet_v2.onnx little0
      "little0,/features/features.0/features.0.0/Conv=big0")
    set_tests_properties(vp.run_model.resnet8_stats vp.run_model.resnet18_stats
      vp.run_model.mobilenet_v2_stats PROPERTIES LABELS integration TIMEOUT 300)
  endif()
endif()
