// The firmware takes the default platform's addresses from
// platform/include/hpvp/hw/virt_map.h; the VP takes them from
// configs/virt.yaml. This test keeps the two in agreement.
#include <gtest/gtest.h>

#include "platform_config.h"
#include <hpvp/hw/npu.h>
#include <hpvp/hw/virt_map.h>

namespace hpvp {
namespace {

const PeripheralConfig& find(const PlatformConfig& c, PeripheralConfig::Kind kind) {
  const PeripheralConfig* p = c.find_peripheral(kind);
  if (p == nullptr) throw std::runtime_error("peripheral missing from virt.yaml");
  return *p;
}

TEST(VirtMap, ConfigMatchesFirmwareHeader) {
  const PlatformConfig c = load_platform_config(HPVP_SOURCE_DIR "/configs/virt.yaml");
  using K = PeripheralConfig::Kind;
  EXPECT_EQ(find(c, K::kTestFinisher).base, VIRT_FINISHER_BASE);
  EXPECT_EQ(find(c, K::kClint).base, VIRT_CLINT_BASE);
  EXPECT_EQ(find(c, K::kClint).clint.timebase_hz, VIRT_CLINT_TIMEBASE_HZ);
  EXPECT_EQ(find(c, K::kPlic).base, VIRT_PLIC_BASE);
  EXPECT_EQ(find(c, K::kUart16550).base, VIRT_UART0_BASE);
  EXPECT_EQ(find(c, K::kUart16550).irq, VIRT_UART0_IRQ);
  bool dram_found = false;
  for (const auto& m : c.memories) {
    if (m.base != VIRT_DRAM_BASE) continue;
    dram_found = true;
    EXPECT_EQ(m.size(), VIRT_DRAM_SIZE);
  }
  EXPECT_TRUE(dram_found) << "no memory at VIRT_DRAM_BASE";
}

TEST(VirtMap, EveryShippedConfigLoads) {
  for (const char* name : {"virt", "homogeneous", "biglittle", "diana", "hmpsoc"}) {
    SCOPED_TRACE(name);
    const PlatformConfig c =
        load_platform_config(std::string(HPVP_SOURCE_DIR "/configs/") + name + ".yaml");
    EXPECT_EQ(c.name, name);
    // NPU convention the firmware's probe relies on: NPU i at 0x40000000 +
    // 0x1000 * i, PLIC source 1 + i.
    for (size_t i = 0; i < c.npus.size(); ++i) {
      EXPECT_EQ(c.npus[i].base, NPU_SLOT_BASE(i));
      EXPECT_EQ(c.npus[i].irq, NPU_SLOT_IRQ(i));
    }
  }
}

}  // namespace
}  // namespace hpvp
