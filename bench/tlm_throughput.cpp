// TLM transactions per second through the shared bus into SRAM and DRAM,
// and straight into SRAM, measured with Google Benchmark. The models are
// elaborated once (SystemC allows one elaboration per process) and driven by
// b_transport calls from a test initiator outside any SystemC process, which
// is what an LT initiator's hot path costs.
#include <benchmark/benchmark.h>
#include <memory>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include "bus/shared_bus.h"
#include "mem/dram.h"
#include "mem/sram.h"

namespace {

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(sc_core::sc_module_name n) : sc_module(n) {}
};

struct Platform {
  Initiator via_bus{"via_bus"};
  Initiator direct{"direct"};
  hpvp::SharedBus bus{"bus", hpvp::SharedBus::Config{}};
  hpvp::Sram sram{"sram", hpvp::Sram::Config{}};
  hpvp::Sram sram_direct{"sram_direct", hpvp::Sram::Config{}};
  hpvp::Dram dram{"dram", hpvp::Dram::Config{}};
  Platform() {
    via_bus.socket.bind(bus.target_socket);
    bus.add_initiator("via_bus");
    bus.initiator_socket.bind(sram.socket);
    bus.initiator_socket.bind(dram.socket);
    bus.map(0, 0x08000000, sram.size(), "sram");
    bus.map(1, 0x80000000, dram.size(), "dram");
    direct.socket.bind(sram_direct.socket);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // complete the socket bindings
  }
};

Platform& platform() {
  static Platform p;
  return p;
}

void run_reads(benchmark::State& state, Initiator& init, uint64_t base, unsigned len) {
  uint8_t buf[256] = {};
  tlm::tlm_generic_payload tx;
  tx.set_data_ptr(buf);
  tx.set_data_length(len);
  tx.set_streaming_width(len);
  uint64_t offset = 0;
  for (auto _ : state) {
    tx.set_command((offset & 64) ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    tx.set_address(base + offset);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    init.socket->b_transport(tx, delay);
    benchmark::DoNotOptimize(delay);
    offset = (offset + len) & 0xffff;
  }
  if (!tx.is_response_ok()) state.SkipWithError("transaction failed");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * len);
}

void BM_BusToSram(benchmark::State& s) {
  run_reads(s, platform().via_bus, 0x08000000, static_cast<unsigned>(s.range(0)));
}
void BM_BusToDram(benchmark::State& s) {
  run_reads(s, platform().via_bus, 0x80000000, static_cast<unsigned>(s.range(0)));
}
void BM_DirectSram(benchmark::State& s) {
  run_reads(s, platform().direct, 0, static_cast<unsigned>(s.range(0)));
}

BENCHMARK(BM_BusToSram)->Arg(4)->Arg(64);
BENCHMARK(BM_BusToDram)->Arg(4)->Arg(64);
BENCHMARK(BM_DirectSram)->Arg(4)->Arg(64);

}  // namespace

extern "C" int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
