// NPU TLM model: registers, descriptor execution bit-exact against the
// reference for every precision, error handling, timing against the
// SCALE-Sim count, and bus contention between two NPUs.
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <random>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

#include "bus/shared_bus.h"
#include "mem/dram.h"
#include "npu/npu.h"
#include "npu/systolic_timing.h"
#include "npu_reference.h"

namespace hpvp::npu {
namespace {

constexpr uint64_t kDram = 0x80000000;
constexpr uint64_t kNpuBase = 0x40000000;

// Drives the platform from an SC_THREAD: register accesses through the bus
// (timed) and memory set-up through the debug interface.
struct Host : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Host> socket{"socket"};
  std::function<void(Host&)> program;
  explicit Host(sc_core::sc_module_name n) : sc_module(n) {
    SC_HAS_PROCESS(Host);
    SC_THREAD(main);
  }
  void main() {
    if (program) program(*this);
    sc_core::sc_stop();
  }
  uint32_t access(tlm::tlm_command cmd, uint64_t addr, uint32_t value) {
    tlm::tlm_generic_payload tx;
    tx.set_command(cmd);
    tx.set_address(addr);
    tx.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    tx.set_data_length(4);
    tx.set_streaming_width(4);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(tx, delay);
    EXPECT_TRUE(tx.is_response_ok()) << "register access at 0x" << std::hex << addr;
    wait(delay);
    return value;
  }
  uint32_t read32(uint64_t addr) { return access(tlm::TLM_READ_COMMAND, addr, 0); }
  void write32(uint64_t addr, uint32_t v) { access(tlm::TLM_WRITE_COMMAND, addr, v); }
  void poke(uint64_t addr, const void* data, size_t len) {
    tlm::tlm_generic_payload tx;
    tx.set_command(tlm::TLM_WRITE_COMMAND);
    tx.set_address(addr);
    tx.set_data_ptr(static_cast<unsigned char*>(const_cast<void*>(data)));
    tx.set_data_length(static_cast<unsigned>(len));
    tx.set_streaming_width(static_cast<unsigned>(len));
    ASSERT_EQ(socket->transport_dbg(tx), len);
  }
  std::vector<uint8_t> peek(uint64_t addr, size_t len) {
    std::vector<uint8_t> out(len);
    tlm::tlm_generic_payload tx;
    tx.set_command(tlm::TLM_READ_COMMAND);
    tx.set_address(addr);
    tx.set_data_ptr(out.data());
    tx.set_data_length(static_cast<unsigned>(len));
    tx.set_streaming_width(static_cast<unsigned>(len));
    EXPECT_EQ(socket->transport_dbg(tx), len);
    return out;
  }
};

Npu::Config small_npu(Precision p) {
  Npu::Config c;
  c.precision = p;
  c.frequency_hz = 500e6;
  c.array.rows = 8;
  c.array.cols = 8;
  c.array.dataflow = Dataflow::kOutputStationary;
  c.spads = SpadConfig{16 * 1024, 16 * 1024, 16 * 1024, true};
  c.energy = default_energy(p, 8, 8);
  return c;
}

struct Platform {
  Host host{"host"};
  SharedBus bus{"bus", SharedBus::Config{}};
  Dram dram;
  std::vector<std::unique_ptr<Npu>> npus;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> irqs;

  static Dram::Config dram_config(bool row_state_matters) {
    Dram::Config d;
    d.size = 16 << 20;
    if (!row_state_matters) d.t_rcd = d.t_rp = sc_core::SC_ZERO_TIME;
    return d;
  }
  explicit Platform(std::vector<Npu::Config> configs, bool row_state_matters = true)
      : dram("dram", dram_config(row_state_matters)) {
    host.socket.bind(bus.target_socket);
    bus.add_initiator("host");
    for (size_t i = 0; i < configs.size(); ++i) {
      npus.push_back(std::make_unique<Npu>(("npu" + std::to_string(i)).c_str(), configs[i]));
      npus.back()->dma.bind(bus.target_socket);
      bus.add_initiator("npu" + std::to_string(i));
      irqs.push_back(std::make_unique<sc_core::sc_signal<bool>>());
      npus.back()->irq.bind(*irqs.back());
    }
    bus.initiator_socket.bind(dram.socket);
    bus.map(0, kDram, dram.size(), "dram");
    for (size_t i = 0; i < npus.size(); ++i) {
      bus.initiator_socket.bind(npus[i]->regs);
      bus.map(static_cast<unsigned>(i + 1), kNpuBase + 0x1000 * i, NPU_REGS_SIZE, npus[i]->name());
    }
  }
  void run(std::function<void(Host&)> program) {
    host.program = std::move(program);
    sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_SEC));
  }
};

// Runs a descriptor list on NPU `index` and waits for its interrupt.
void start_and_wait(Host& h, Platform& p, size_t index, uint32_t desc_addr) {
  const uint64_t regs = kNpuBase + 0x1000 * index;
  h.write32(regs + NPU_REG_IRQ_ENABLE, NPU_IRQ_DONE | NPU_IRQ_ERROR);
  h.write32(regs + NPU_REG_DESC_PTR, desc_addr);
  h.write32(regs + NPU_REG_CTRL, NPU_CTRL_START);
  if (!p.irqs[index]->read()) sc_core::wait(p.irqs[index]->posedge_event());
}

// A random layer and its tensors laid out in DRAM.
struct Case {
  npu_desc_t desc{};
  Layer layer;
  std::vector<uint8_t> in, in2, w, bias, quant;
  uint32_t desc_addr = kDram + 0x1000;
};

int32_t float_bits(float f) {
  int32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

std::vector<uint8_t> random_tensor(std::mt19937& rng, uint64_t elements, int bits, bool is_float) {
  if (is_float) {
    std::vector<uint8_t> out(elements * (bits / 8));
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (uint64_t i = 0; i < elements; ++i) {
      const float v = d(rng);
      if (bits == 16) {
        const uint16_t h = ref::fp32_to_fp16(v);
        std::memcpy(&out[2 * i], &h, 2);
      } else {
        std::memcpy(&out[4 * i], &v, 4);
      }
    }
    return out;
  }
  std::vector<uint8_t> out(packed_bytes(elements, bits));
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  if (bits == 2)  // ternary networks: keep weights in {-1, 0, 1}
    for (auto& b : out)
      for (int k = 0; k < 4; ++k)
        if (((b >> (2 * k)) & 3) == 2) b &= static_cast<uint8_t>(~(3u << (2 * k)));
  return out;
}

npu_desc_t conv_desc(int in_h, int in_w, int in_c, int out_c, int k, int stride, int pad,
                     int groups) {
  npu_desc_t d{};
  d.op = NPU_OP_CONV2D;
  d.flags = NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL;
  d.in_h = static_cast<uint16_t>(in_h), d.in_w = static_cast<uint16_t>(in_w);
  d.in_c = static_cast<uint16_t>(in_c), d.out_c = static_cast<uint16_t>(out_c);
  d.k_h = d.k_w = static_cast<uint8_t>(k);
  d.stride_h = d.stride_w = static_cast<uint8_t>(stride);
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = static_cast<uint8_t>(pad);
  d.out_h = static_cast<uint16_t>(window_out(in_h, pad, pad, k, stride));
  d.out_w = static_cast<uint16_t>(window_out(in_w, pad, pad, k, stride));
  d.groups = static_cast<uint16_t>(groups);
  return d;
}

Case make_case(Precision p, npu_desc_t d, uint32_t seed) {
  std::mt19937 rng(seed);
  const Formats f = formats_of(p);
  Case c;
  if (f.is_float) {
    d.flags &= ~NPU_FLAG_PER_CHANNEL;
    d.act_min = float_bits(-6.0f), d.act_max = float_bits(6.0f);
  } else {
    d.in_zp = f.act_lo() / 4;
    d.out_zp = 1;
    d.act_min = f.act_lo(), d.act_max = f.act_hi();
    d.mult = 1 << 30, d.shift = -3;
  }
  uint32_t next = kDram + 0x10000;
  auto place = [&](uint32_t& field, std::vector<uint8_t>& buf, std::vector<uint8_t> data) {
    buf = std::move(data);
    field = next;
    next += (static_cast<uint32_t>(buf.size()) + 63) & ~63u;
  };
  std::string why;
  const uint64_t in_n = uint64_t(d.in_h) * d.in_w * d.in_c;
  place(d.in_addr, c.in, random_tensor(rng, in_n, f.act_bits, f.is_float));
  if (d.op == NPU_OP_ADD)
    place(d.in2_addr, c.in2, random_tensor(rng, in_n, f.act_bits, f.is_float));
  uint64_t w_n = 0;
  if (d.op == NPU_OP_CONV2D)
    w_n = uint64_t(d.out_c) * d.k_h * d.k_w * (d.in_c / (d.groups ? d.groups : 1));
  if (d.op == NPU_OP_GEMM) w_n = uint64_t(d.out_c) * d.in_c;
  if (w_n) place(d.w_addr, c.w, random_tensor(rng, w_n, f.weight_bits, f.is_float));
  if (d.flags & NPU_FLAG_BIAS) {
    std::vector<uint8_t> b(4 * d.out_c);
    for (int i = 0; i < d.out_c; ++i) {
      if (f.is_float) {
        const float v = static_cast<float>(static_cast<int>(rng() % 200) - 100) / 100.0f;
        std::memcpy(&b[4 * i], &v, 4);
      } else {
        const int32_t v = static_cast<int32_t>(rng() % 2001) - 1000;
        std::memcpy(&b[4 * i], &v, 4);
      }
    }
    place(d.bias_addr, c.bias, std::move(b));
  }
  if (d.flags & NPU_FLAG_PER_CHANNEL) {
    std::vector<uint8_t> q(8 * d.out_c);
    for (int i = 0; i < d.out_c; ++i) {
      const int32_t m = (1 << 30) + static_cast<int32_t>(rng() % (1 << 29));
      const int32_t s = -static_cast<int32_t>(2 + rng() % 6);
      std::memcpy(&q[4 * i], &m, 4);
      std::memcpy(&q[4 * (d.out_c + i)], &s, 4);
    }
    place(d.quant_addr, c.quant, std::move(q));
  }
  d.out_addr = next;
  c.desc = d;
  EXPECT_EQ(decode_layer(d, p, c.layer, why), NPU_ERR_NONE) << why;
  return c;
}

void load_case(Host& h, const Case& c) {
  auto put = [&](uint32_t addr, const std::vector<uint8_t>& buf) {
    if (!buf.empty()) h.poke(addr, buf.data(), buf.size());
  };
  put(c.desc.in_addr, c.in);
  put(c.desc.in2_addr, c.in2);
  put(c.desc.w_addr, c.w);
  put(c.desc.bias_addr, c.bias);
  put(c.desc.quant_addr, c.quant);
  h.poke(c.desc_addr, &c.desc, sizeof c.desc);
}

std::vector<uint8_t> expected(Precision p, const Case& c) {
  return ref::layer_bytes(p, c.layer, c.in.data(), c.in2.data(), c.w.data(), c.bias.data(),
                          c.quant.data());
}

uint64_t read64(Host& h, uint64_t addr) {
  const uint64_t lo = h.read32(addr);
  return lo | (uint64_t{h.read32(addr + 4)} << 32);
}

TEST(Npu, IdentificationRegisters) {
  Npu::Config cfg = small_npu(Precision::kInt4);
  cfg.array.dataflow = Dataflow::kWeightStationary;
  Platform p({cfg});
  p.run([&](Host& h) {
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_ID), NPU_ID_MAGIC);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_CAPS), NPU_PREC_INT4 | (NPU_DATAFLOW_WS << 4));
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_ARRAY_ROWS), 8u);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_ARRAY_COLS), 8u);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_IFMAP_SPAD), 16u * 1024);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_STATUS), 0u);
  });
}

class NpuPrecision : public ::testing::TestWithParam<Precision> {};

TEST_P(NpuPrecision, ConvMatchesReferenceAndCountsWork) {
  const Precision prec = GetParam();
  Platform p({small_npu(prec)});
  const Case c = make_case(prec, conv_desc(9, 7, 6, 10, 3, 2, 1, 1), 11);
  p.run([&](Host& h) {
    load_case(h, c);
    start_and_wait(h, p, 0, c.desc_addr);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_STATUS), NPU_STATUS_DONE);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_DESC_DONE), 1u);
    const std::vector<uint8_t> want = expected(prec, c);
    EXPECT_EQ(h.peek(c.desc.out_addr, want.size()), want);
    EXPECT_EQ(read64(h, kNpuBase + NPU_REG_CNT_MACS), c.layer.macs());
    EXPECT_EQ(read64(h, kNpuBase + NPU_REG_CNT_COMPUTE),
              compute_cycles(c.layer, small_npu(prec).array).cycles);
    EXPECT_GE(read64(h, kNpuBase + NPU_REG_CNT_CYCLES), read64(h, kNpuBase + NPU_REG_CNT_COMPUTE));
    EXPECT_GT(read64(h, kNpuBase + NPU_REG_CNT_ENERGY_PJ), 0u);
    // The DMA read at least the input and weights and wrote the output.
    EXPECT_GE(read64(h, kNpuBase + NPU_REG_CNT_DMA_IN), c.in.size() + c.w.size());
    EXPECT_EQ(read64(h, kNpuBase + NPU_REG_CNT_DMA_OUT), want.size());
  });
}

TEST_P(NpuPrecision, ChainedListOfEveryOp) {
  const Precision prec = GetParam();
  Platform p({small_npu(prec)});
  std::vector<Case> cases;
  cases.push_back(make_case(prec, conv_desc(8, 8, 4, 4, 3, 1, 1, 4), 21));  // depthwise
  npu_desc_t gemm{};
  gemm.op = NPU_OP_GEMM, gemm.flags = NPU_FLAG_BIAS;
  gemm.in_h = gemm.out_h = 3, gemm.in_w = gemm.out_w = 1, gemm.in_c = 20, gemm.out_c = 7;
  cases.push_back(make_case(prec, gemm, 22));
  npu_desc_t pool{};
  pool.op = NPU_OP_MAXPOOL, pool.in_h = 7, pool.in_w = 6, pool.in_c = pool.out_c = 5;
  pool.k_h = pool.k_w = 3, pool.stride_h = pool.stride_w = 2, pool.pad_top = pool.pad_left = 1;
  pool.out_h = 3, pool.out_w = 3;
  cases.push_back(make_case(prec, pool, 23));
  npu_desc_t avg = pool;
  avg.op = NPU_OP_AVGPOOL;
  cases.push_back(make_case(prec, avg, 24));
  npu_desc_t gap{};
  gap.op = NPU_OP_GAP, gap.in_h = 5, gap.in_w = 3, gap.in_c = gap.out_c = 9,
  gap.out_h = gap.out_w = 1;
  cases.push_back(make_case(prec, gap, 25));
  npu_desc_t add{};
  add.op = NPU_OP_ADD, add.in_h = add.out_h = 4, add.in_w = add.out_w = 5, add.in_c = add.out_c = 3;
  add.in_mult = add.in2_mult = 1 << 30, add.in_shift = add.in2_shift = -19;
  cases.push_back(make_case(prec, add, 26));
  npu_desc_t relu{};
  relu.op = NPU_OP_RELU, relu.in_h = relu.out_h = 2, relu.in_w = relu.out_w = 9,
  relu.in_c = relu.out_c = 3;
  cases.push_back(make_case(prec, relu, 27));
  // Give every case its own region and chain the descriptors.
  for (size_t i = 0; i < cases.size(); ++i) {
    const uint32_t shift = static_cast<uint32_t>(i) * 0x100000;
    npu_desc_t& d = cases[i].desc;
    for (uint32_t* a :
         {&d.in_addr, &d.in2_addr, &d.w_addr, &d.bias_addr, &d.quant_addr, &d.out_addr})
      if (*a) *a += shift;
    for (uint32_t* a : {&cases[i].layer.in_addr, &cases[i].layer.out_addr}) *a += shift;
    cases[i].desc_addr = kDram + 0x1000 + 0x100 * static_cast<uint32_t>(i);
  }
  for (size_t i = 0; i + 1 < cases.size(); ++i) cases[i].desc.next = cases[i + 1].desc_addr;
  p.run([&](Host& h) {
    for (const Case& c : cases) load_case(h, c);
    start_and_wait(h, p, 0, cases.front().desc_addr);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_STATUS), NPU_STATUS_DONE);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_DESC_DONE), cases.size());
    for (const Case& c : cases) {
      SCOPED_TRACE(to_string(c.layer.op));
      const std::vector<uint8_t> want = expected(prec, c);
      EXPECT_EQ(h.peek(c.desc.out_addr, want.size()), want);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(AllPrecisions, NpuPrecision,
                         ::testing::Values(Precision::kInt8, Precision::kInt4, Precision::kInt2,
                                           Precision::kFp16, Precision::kFp32),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// A bad descriptor sets ERROR with its code and the descriptor address, and
// raises the error interrupt instead of crashing.
void expect_rejected(npu_desc_t d, uint32_t desc_addr, npu_error code,
                     Npu::Config cfg = small_npu(Precision::kInt8)) {
  Platform p({cfg});
  p.run([&](Host& h) {
    h.poke(desc_addr, &d, sizeof d);
    start_and_wait(h, p, 0, desc_addr);
    const uint32_t status = h.read32(kNpuBase + NPU_REG_STATUS);
    EXPECT_EQ(status & 0xff, NPU_STATUS_ERROR);
    EXPECT_EQ(status >> NPU_STATUS_ERR_SHIFT, static_cast<uint32_t>(code));
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_ERROR_ADDR), desc_addr);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_IRQ_STATUS), NPU_IRQ_ERROR);
    EXPECT_TRUE(p.irqs[0]->read());
    h.write32(kNpuBase + NPU_REG_IRQ_STATUS, NPU_IRQ_ERROR);  // W1C clears the line
    wait(sc_core::SC_ZERO_TIME);
    EXPECT_FALSE(p.irqs[0]->read());
  });
}

npu_desc_t valid_conv() {
  npu_desc_t d = conv_desc(8, 8, 4, 8, 3, 1, 1, 1);
  d.flags = 0;
  d.in_addr = kDram + 0x10000, d.w_addr = kDram + 0x20000, d.out_addr = kDram + 0x30000;
  d.act_min = -128, d.act_max = 127, d.mult = 1 << 30, d.shift = -4;
  return d;
}

TEST(NpuErrors, UnknownOp) {
  npu_desc_t d = valid_conv();
  d.op = 99;
  expect_rejected(d, kDram + 0x1000, NPU_ERR_BAD_OP);
}

TEST(NpuErrors, MisalignedDescriptor) {
  expect_rejected(valid_conv(), kDram + 0x1004, NPU_ERR_MISALIGNED);
}

TEST(NpuErrors, InconsistentShape) {
  npu_desc_t d = valid_conv();
  d.out_h = 5;
  expect_rejected(d, kDram + 0x1000, NPU_ERR_BAD_SHAPE);
}

TEST(NpuErrors, UnmappedTensor) {
  npu_desc_t d = valid_conv();
  d.in_addr = 0x00200000;  // nothing there
  expect_rejected(d, kDram + 0x1000, NPU_ERR_BUS);
}

TEST(NpuErrors, TensorRunsOffTheEndOfMemory) {
  npu_desc_t d = valid_conv();
  d.out_addr = kDram + (16 << 20) - 16;
  expect_rejected(d, kDram + 0x1000, NPU_ERR_BUS);
}

TEST(NpuErrors, ScratchpadOverflow) {
  Npu::Config cfg = small_npu(Precision::kInt8);
  cfg.spads = SpadConfig{64, 64, 64, true};
  expect_rejected(valid_conv(), kDram + 0x1000, NPU_ERR_SPAD_OVERFLOW, cfg);
}

TEST(NpuErrors, ClampOutsideActivationRange) {
  npu_desc_t d = valid_conv();
  d.act_max = 300;
  expect_rejected(d, kDram + 0x1000, NPU_ERR_BAD_QUANT);
}

TEST(NpuErrors, DescriptorInUnmappedMemory) {
  Platform p({small_npu(Precision::kInt8)});
  p.run([&](Host& h) {
    start_and_wait(h, p, 0, 0x00300000);
    EXPECT_EQ(h.read32(kNpuBase + NPU_REG_STATUS) >> NPU_STATUS_ERR_SHIFT, uint32_t{NPU_ERR_BUS});
  });
}

// Two NPUs streaming through the shared bus at the same time take longer
// than one alone, and both still compute the right result.
TEST(NpuContention, TwoConcurrentLayersTakeLongerThanOne) {
  // Same platform, two NPUs; NPU 1 runs alone first, then both together.
  std::vector<Npu::Config> cfgs(2, small_npu(Precision::kInt8));
  for (auto& c : cfgs) c.array.rows = c.array.cols = 32;
  Platform p(cfgs);
  std::vector<Case> cases;
  for (size_t i = 0; i < 2; ++i) {
    Case c = make_case(Precision::kInt8, conv_desc(32, 32, 16, 16, 1, 1, 0, 1),
                       50 + static_cast<uint32_t>(i));
    const uint32_t shift = static_cast<uint32_t>(i) * 0x400000;
    for (uint32_t* a :
         {&c.desc.in_addr, &c.desc.w_addr, &c.desc.bias_addr, &c.desc.quant_addr, &c.desc.out_addr})
      if (*a) *a += shift;
    c.desc_addr += shift;
    cases.push_back(c);
  }
  p.run([&](Host& h) {
    for (const Case& c : cases) load_case(h, c);
    auto run = [&](std::vector<size_t> which) {
      for (size_t i : which) {
        const uint64_t regs = kNpuBase + 0x1000 * i;
        h.write32(regs + NPU_REG_IRQ_STATUS, NPU_IRQ_DONE | NPU_IRQ_ERROR);
        h.write32(regs + NPU_REG_IRQ_ENABLE, NPU_IRQ_DONE);
        h.write32(regs + NPU_REG_DESC_PTR, cases[i].desc_addr);
      }
      const sc_core::sc_time start = sc_core::sc_time_stamp();
      for (size_t i : which) h.write32(kNpuBase + 0x1000 * i + NPU_REG_CTRL, NPU_CTRL_START);
      for (size_t i : which)
        if (!p.irqs[i]->read()) wait(p.irqs[i]->posedge_event());
      return sc_core::sc_time_stamp() - start;
    };
    const sc_core::sc_time alone = run({1});
    const sc_core::sc_time together = run({0, 1});
    EXPECT_GT(together, alone) << "alone " << alone << ", together " << together;
    // Both results are still right.
    for (const Case& c : cases) {
      const std::vector<uint8_t> want = expected(Precision::kInt8, c);
      EXPECT_EQ(h.peek(c.desc.out_addr, want.size()), want);
    }
  });
}

TEST(NpuTiming, TimingOnlyModeTakesTheSameTime) {
  // Functional and timing-only NPUs side by side run the same layer in the
  // same simulated time (timing never depends on the data).
  Npu::Config functional = small_npu(Precision::kInt8);
  Npu::Config timing_only = functional;
  timing_only.functional = false;
  // Row-buffer state would differ between the two runs; make DRAM latency
  // independent of it so only the NPU's own timing is compared.
  Platform p({functional, timing_only}, /*row_state_matters=*/false);
  Case c0 = make_case(Precision::kInt8, conv_desc(12, 12, 8, 16, 3, 1, 1, 1), 60);
  Case c1 = c0;
  const uint32_t shift = 0x400000;
  for (uint32_t* a : {&c1.desc.in_addr, &c1.desc.w_addr, &c1.desc.bias_addr, &c1.desc.quant_addr,
                      &c1.desc.out_addr})
    if (*a) *a += shift;
  c1.desc_addr += shift;
  p.run([&](Host& h) {
    load_case(h, c0);
    load_case(h, c1);
    std::vector<uint64_t> cycles;
    for (size_t i = 0; i < 2; ++i) {
      start_and_wait(h, p, i, i == 0 ? c0.desc_addr : c1.desc_addr);
      cycles.push_back(read64(h, kNpuBase + 0x1000 * i + NPU_REG_CNT_CYCLES));
    }
    EXPECT_EQ(cycles[0], cycles[1]);
  });
}

#ifdef HPVP_HAVE_RTL
// RTL-vs-TLM equivalence: an NPU whose MAC array is the verilated RTL
// (compute: rtl) and a TLM NPU run the same random conv/gemm layers; outputs
// are bit-identical (and equal to the reference) and cycle counts are equal.
struct RtlCase {
  int size;
  Precision precision;
  Dataflow dataflow;
};

class NpuRtlEquivalence : public ::testing::TestWithParam<RtlCase> {};

TEST_P(NpuRtlEquivalence, SameOutputsAndCycles) {
  const RtlCase rc = GetParam();
  Npu::Config tlm = small_npu(rc.precision);
  tlm.array.rows = tlm.array.cols = rc.size;
  tlm.array.dataflow = rc.dataflow;
  tlm.spads = SpadConfig{8 * 1024, 8 * 1024, 4 * 1024, true};  // force several tiles
  Npu::Config rtl = tlm;
  rtl.rtl = true;
  Platform p({tlm, rtl}, /*row_state_matters=*/false);
  std::vector<Case> cases;
  cases.push_back(make_case(rc.precision, conv_desc(11, 9, 12, 20, 3, 1, 1, 1), 70));
  cases.push_back(make_case(rc.precision, conv_desc(10, 10, 8, 8, 3, 2, 1, 8), 71));  // depthwise
  cases.push_back(make_case(rc.precision, conv_desc(6, 7, 20, 24, 1, 1, 0, 2), 72));  // grouped 1x1
  npu_desc_t gemm{};
  gemm.op = NPU_OP_GEMM, gemm.flags = NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL;
  gemm.in_h = gemm.out_h = 5, gemm.in_w = gemm.out_w = 1, gemm.in_c = 70, gemm.out_c = 19;
  cases.push_back(make_case(rc.precision, gemm, 73));
  for (size_t i = 0; i < cases.size(); ++i) {
    const uint32_t shift = static_cast<uint32_t>(i) * 0x100000;
    npu_desc_t& d = cases[i].desc;
    for (uint32_t* a : {&d.in_addr, &d.w_addr, &d.bias_addr, &d.quant_addr, &d.out_addr})
      if (*a) *a += shift;
    cases[i].desc_addr = kDram + 0x1000 + 0x100 * static_cast<uint32_t>(i);
  }
  p.run([&](Host& h) {
    for (const Case& c : cases) load_case(h, c);
    for (const Case& c : cases) {
      SCOPED_TRACE(to_string(c.layer.op));
      const std::vector<uint8_t> want = expected(rc.precision, c);
      std::vector<uint64_t> compute;
      for (size_t npu = 0; npu < 2; ++npu) {
        const uint64_t regs = kNpuBase + 0x1000 * npu;
        h.write32(regs + NPU_REG_CTRL, NPU_CTRL_CLEAR_COUNTERS);
        h.write32(regs + NPU_REG_IRQ_STATUS, NPU_IRQ_DONE | NPU_IRQ_ERROR);
        start_and_wait(h, p, npu, c.desc_addr);
        EXPECT_EQ(h.read32(regs + NPU_REG_STATUS), NPU_STATUS_DONE) << "npu " << npu;
        EXPECT_EQ(h.peek(c.desc.out_addr, want.size()), want) << "npu " << npu;
        compute.push_back(read64(h, regs + NPU_REG_CNT_COMPUTE));
      }
      EXPECT_EQ(compute[0], compute[1]) << "TLM vs RTL compute cycles";
      EXPECT_GT(compute[1], 0u);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(
    Variants, NpuRtlEquivalence,
    ::testing::Values(RtlCase{8, Precision::kInt8, Dataflow::kOutputStationary},
                      RtlCase{8, Precision::kInt8, Dataflow::kWeightStationary},
                      RtlCase{8, Precision::kInt8, Dataflow::kInputStationary},
                      RtlCase{8, Precision::kInt4, Dataflow::kOutputStationary},
                      RtlCase{8, Precision::kInt4, Dataflow::kWeightStationary},
                      RtlCase{8, Precision::kInt2, Dataflow::kOutputStationary},
                      RtlCase{16, Precision::kInt8, Dataflow::kOutputStationary},
                      RtlCase{16, Precision::kInt8, Dataflow::kWeightStationary},
                      RtlCase{16, Precision::kInt4, Dataflow::kOutputStationary},
                      RtlCase{16, Precision::kInt2, Dataflow::kWeightStationary}),
    [](const auto& info) {
      return std::to_string(info.param.size) + "x" + std::to_string(info.param.size) + "_" +
             to_string(info.param.precision) + "_" + to_string(info.param.dataflow);
    });
#endif

}  // namespace
}  // namespace hpvp::npu
