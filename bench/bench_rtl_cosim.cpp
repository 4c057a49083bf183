// RTL co-simulation speed inside the VP: an NPU with `compute: rtl` runs a
// conv layer through the whole SystemC platform (register programming, DMA
// through the bus into DRAM, tiles on the verilated array); the figure is
// RTL clock cycles per host second. The same layer's GEMMs on a bare
// RtlArray (no SystemC) give the reference; the ratio is the coupling
// overhead (target: at most 1.5x).
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

#include "bus/shared_bus.h"
#include "mem/dram.h"
#include "npu/npu.h"
#include "rtl_array.h"

namespace {

using namespace hpvp;
using namespace hpvp::npu;

constexpr uint64_t kDram = 0x80000000;
constexpr uint64_t kNpuBase = 0x40000000;

struct Driver : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Driver> socket{"socket"};
  std::vector<std::function<void()>> jobs;
  explicit Driver(sc_core::sc_module_name n) : sc_module(n) {
    SC_HAS_PROCESS(Driver);
    SC_THREAD(main);
  }
  void main() {
    for (auto& j : jobs) j();
    sc_core::sc_stop();
  }
  void write32(uint64_t addr, uint32_t v) {
    tlm::tlm_generic_payload tx;
    tx.set_command(tlm::TLM_WRITE_COMMAND);
    tx.set_address(addr);
    tx.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    tx.set_data_length(4);
    tx.set_streaming_width(4);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    socket->b_transport(tx, d);
    wait(d);
  }
  void poke(uint64_t addr, const void* p, size_t n) {
    tlm::tlm_generic_payload tx;
    tx.set_command(tlm::TLM_WRITE_COMMAND);
    tx.set_address(addr);
    tx.set_data_ptr(static_cast<unsigned char*>(const_cast<void*>(p)));
    tx.set_data_length(static_cast<unsigned>(n));
    tx.set_streaming_width(static_cast<unsigned>(n));
    socket->transport_dbg(tx);
  }
};

// A 3x3 conv, 28x28x32 -> 32 (int8): 7.2 M MACs.
npu_desc_t layer(uint32_t base) {
  npu_desc_t d{};
  d.op = NPU_OP_CONV2D;
  d.in_h = d.in_w = 28, d.in_c = 32, d.out_c = 32, d.out_h = d.out_w = 28;
  d.k_h = d.k_w = 3, d.stride_h = d.stride_w = 1;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  d.groups = 1;
  d.act_min = -128, d.act_max = 127, d.mult = 1 << 30, d.shift = -8;
  d.in_addr = base + 0x10000, d.w_addr = base + 0x40000, d.out_addr = base + 0x80000;
  return d;
}

Npu::Config npu_config(int size) {
  Npu::Config c;
  c.precision = Precision::kInt8;
  c.array.rows = c.array.cols = size;
  c.spads = SpadConfig{64 * 1024, 160 * 1024, 64 * 1024, true};
  c.energy = default_energy(Precision::kInt8, size, size);
  c.rtl = true;
  return c;
}

double bare_cycles_per_s(int size, uint64_t& cycles_out) {
  // The same GEMMs the NPU runs: M = 784 pixels, N = 32, K = 288.
  rtl::RtlArray array(rtl::Variant{size, size, 8});
  std::mt19937 rng(1);
  std::vector<int8_t> a(784 * 288), w(32 * 288);
  for (auto& v : a) v = static_cast<int8_t>(rng());
  for (auto& v : w) v = static_cast<int8_t>(rng());
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = array.run_gemm(a.data(), w.data(), 784, 32, 288, rtl::Dataflow::kOutputStationary);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  cycles_out = r.cycles;
  return r.cycles / s;
}

}  // namespace

extern "C" int sc_main(int, char*[]) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  Driver host("host");
  SharedBus bus("bus", SharedBus::Config{});
  Dram dram("dram", Dram::Config{});
  std::vector<std::unique_ptr<Npu>> npus;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> irqs;
  const int sizes[] = {8, 16};
  host.socket.bind(bus.target_socket);
  bus.add_initiator("host");
  for (int i = 0; i < 2; ++i) {
    npus.push_back(
        std::make_unique<Npu>(("npu" + std::to_string(sizes[i])).c_str(), npu_config(sizes[i])));
    npus.back()->dma.bind(bus.target_socket);
    irqs.push_back(std::make_unique<sc_core::sc_signal<bool>>());
    npus.back()->irq.bind(*irqs.back());
  }
  bus.initiator_socket.bind(dram.socket);
  bus.map(0, kDram, dram.size(), "dram");
  for (int i = 0; i < 2; ++i) {
    bus.initiator_socket.bind(npus[i]->regs);
    bus.map(1 + i, kNpuBase + 0x1000 * i, NPU_REGS_SIZE, npus[i]->name());
  }
  double vp_rate[2] = {0, 0};
  uint64_t vp_cycles[2] = {0, 0};
  host.jobs.push_back([&] {
    std::mt19937 rng(2);
    std::vector<uint8_t> junk(0x40000);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    for (int i = 0; i < 2; ++i) {
      const uint32_t base = static_cast<uint32_t>(kDram + 0x100000 * i);
      const npu_desc_t d = layer(base);
      host.poke(d.in_addr, junk.data(), 28 * 28 * 32);
      host.poke(d.w_addr, junk.data(), 32 * 9 * 32);
      host.poke(base, &d, sizeof d);
      const uint64_t regs = kNpuBase + 0x1000 * i;
      host.write32(regs + NPU_REG_IRQ_ENABLE, NPU_IRQ_DONE | NPU_IRQ_ERROR);
      host.write32(regs + NPU_REG_DESC_PTR, base);
      const auto t0 = std::chrono::steady_clock::now();
      host.write32(regs + NPU_REG_CTRL, NPU_CTRL_START);
      if (!irqs[i]->read()) sc_core::wait(irqs[i]->posedge_event());
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      nlohmann::json st;
      npus[i]->dump_stats(st);
      vp_cycles[i] = st["rtl_cycles"].get<uint64_t>();
      vp_rate[i] = vp_cycles[i] / s;
    }
  });
  sc_core::sc_start();
  std::printf("RTL co-simulation: 3x3 conv 28x28x32->32 int8 (7.2 M MACs), output stationary\n");
  std::printf("%-8s %14s %16s %14s %16s %10s\n", "array", "VP cycles", "VP cycles/s", "bare cycles",
              "bare cycles/s", "overhead");
  for (int i = 0; i < 2; ++i) {
    uint64_t bare_cycles = 0;
    const double bare = bare_cycles_per_s(sizes[i], bare_cycles);
    std::printf("%2dx%-5d %14llu %16.0f %14llu %16.0f %9.2fx\n", sizes[i], sizes[i],
                static_cast<unsigned long long>(vp_cycles[i]), vp_rate[i],
                static_cast<unsigned long long>(bare_cycles), bare, bare / vp_rate[i]);
  }
  return 0;
}
