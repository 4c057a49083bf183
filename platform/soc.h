// The whole SoC built from a PlatformConfig: harts, the shared bus, memories
// and peripherals, interrupt wiring (CLINT -> harts, devices -> PLIC ->
// harts), firmware loading and the run outcome. See docs/platform.md.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

#include "elf_loader.h"
#include "platform_config.h"
#include "workload.h"

namespace hpvp {

// Why the simulation ended.
struct RunOutcome {
  enum class Kind { kRunning, kExited, kFault };
  Kind kind = Kind::kRunning;
  int exit_code = 0;
  std::string reason;  // one line, for the user
};

class Soc : public sc_core::sc_module {
 public:
  Soc(sc_core::sc_module_name name, const PlatformConfig& cfg);
  ~Soc() override;

  // Checks the segments against the address map (throws ElfError when one is
  // not inside a single memory), points every hart at the entry, and writes
  // the segments into memory when simulation starts.
  void load_firmware(const ElfImage& image);

  // Hands a model workload to the model_runner firmware (platform/workload.h):
  // call after load_firmware() and before sc_start. Checks the image, the
  // blobs and the firmware's hand-over symbols (throws WorkloadError) and that
  // the area is inside one memory (throws ElfError); the blobs and the
  // hpvp_workload struct are written when simulation starts, after the
  // firmware.
  void load_workload(const WorkloadBlobs& blobs);
  // What the firmware reported so far, and the predicted class per input
  // (debug reads: valid during and after simulation; zero/empty without a
  // workload).
  WorkloadProgress workload_progress();
  std::vector<uint16_t> workload_results();
  // Where load_workload placed the blobs (empty without a workload).
  const std::optional<WorkloadPlacement>& workload_placement() const { return workload_; }

  void trace(sc_core::sc_trace_file* tf) const;
  nlohmann::json stats() const;

  const RunOutcome& outcome() const { return outcome_; }
  const std::vector<std::unique_ptr<Rv32Core>>& cores() const { return cores_; }
  const std::vector<npu::Npu*>& npus() const { return npus_; }
  uint64_t instructions() const;
  // Latest time any hart has reached (>= sc_time_stamp under decoupling).
  sc_core::sc_time simulated_time() const;
  SharedBus& bus() { return *bus_; }
  Uart16550* uart(const std::string& name = "") const;
  const PlatformConfig& config() const { return cfg_; }
  // Reads/writes memory through the bus debug interface (tests, loaders).
  bool debug_write(uint64_t addr, const uint8_t* data, size_t len);
  bool debug_read(uint64_t addr, uint8_t* data, size_t len);

 private:
  void build_cores();
  void build_memories();
  void build_peripherals();
  void build_npus();
  void map_npu_registers();
  void wire_interrupts();
  void finish(RunOutcome::Kind kind, int code, const std::string& reason);
  bool in_one_memory(uint64_t addr, uint64_t size) const;
  void write_or_die(uint64_t addr, const uint8_t* data, size_t len, const char* what);
  void write_workload();
  void start_of_simulation() override;

  PlatformConfig cfg_;
  tlm_utils::simple_initiator_socket<Soc> debug_socket_;
  std::unique_ptr<SharedBus> bus_;
  std::vector<std::unique_ptr<Rv32Core>> cores_;
  std::vector<std::unique_ptr<sc_core::sc_module>> components_;
  std::vector<std::pair<std::string, const StatsSource*>> stats_sources_;
  Clint* clint_ = nullptr;
  Plic* plic_ = nullptr;
  std::vector<std::pair<std::string, Uart16550*>> uarts_;
  std::vector<npu::Npu*> npus_;
  // interrupt lines
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> msip_, mtip_, meip_;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> device_irqs_;
  unsigned next_target_port_ = 0;
  std::optional<ElfImage> firmware_;
  // Set by load_workload; the blobs are dropped once written.
  std::optional<WorkloadPlacement> workload_;
  std::optional<WorkloadBlobs> workload_blobs_;
  uint32_t workload_inputs_ = 0;
  RunOutcome outcome_;
};

}  // namespace hpvp
