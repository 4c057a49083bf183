// NS16550A UART (register layout of <hpvp/hw/uart16550.h>, register shift 0,
// byte access). Transmission is instantaneous: THR is always empty again by
// the time the next access arrives, so THRE and TEMT read 1. Received bytes
// come from push_rx() or Config::input_file and go through a 16-byte FIFO.
// docs/peripherals.md has the register table.
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "common/register_bank.h"
#include "common/stats.h"
#include "periph/port_ties.h"

namespace hpvp {

class Uart16550 : public sc_core::sc_module, public StatsSource {
 public:
  struct Config {
    sc_core::sc_time latency = sc_core::SC_ZERO_TIME;
    bool to_stdout = true;    // transmitted bytes to stdout (flushed per line)
    std::string output_file;  // and/or appended to this file ("" = none)
    std::string input_file;   // bytes fed to the receiver ("" = none)
    // One character on the serial line: input_file bytes arrive at most one
    // per char_time, and the RX FIFO timeout interrupt fires after 4 of them.
    sc_core::sc_time char_time = sc_core::sc_time(1, sc_core::SC_US);
  };

  static constexpr unsigned kFifoDepth = 16;

  tlm_utils::simple_target_socket<Uart16550> socket;
  sc_core::sc_out<bool> irq;  // -> PLIC source. Unbound: goes to a private signal.

  SC_HAS_PROCESS(Uart16550);
  Uart16550(sc_core::sc_module_name name, const Config& cfg);
  ~Uart16550() override;

  // A byte arrives on the serial input now. With the FIFO (or, without FIFO
  // mode, the holding register) full it is an overrun: LSR.OE is set and the
  // byte is lost (FIFO mode) or replaces the unread one (16450 mode). Bytes
  // arriving in loopback mode are dropped, as the input is disconnected.
  void push_rx(uint8_t byte);
  void push_rx(const std::string& bytes);

  // Every byte put on the serial output so far (not loopback traffic).
  const std::string& transmitted() const { return transmitted_; }
  size_t rx_fifo_level() const { return rx_.size(); }

  void dump_stats(nlohmann::json& out) const override;

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& tx);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);
  void serve(tlm::tlm_generic_payload& tx, const sc_core::sc_time& delay, bool debug);
  void before_end_of_elaboration() override;
  void end_of_simulation() override;

  void declare_registers();
  bool dlab() const;
  bool loopback() const;

  // Register behaviour.
  uint8_t read_rbr() const;
  void pop_rbr();
  void write_thr(uint8_t byte);
  void write_ier(uint8_t value);
  void write_fcr(uint8_t value);
  void write_mcr(uint8_t value);
  uint8_t iir() const;
  uint8_t interrupt_id() const;
  uint8_t lsr() const;
  void after_iir_read();

  // Line and FIFO.
  void emit(uint8_t byte);
  void flush_output();
  void receive(uint8_t byte);
  size_t rx_capacity() const;
  bool rx_has_room() const;
  bool rx_data_available() const;
  void clear_rx();
  void restart_rx_timeout();
  void rx_timeout();
  void modem_inputs_changed();

  // Interrupt line and input feeding.
  void state_changed();
  void drive_irq();
  void feed_input();
  void listening();

  Config cfg_;
  RegisterBank bank_;
  PortTies ties_;

  // Register state not held by the bank (multiplexed or derived).
  uint8_t dll_ = 0, dlm_ = 0;
  uint8_t ier_ = 0;
  uint8_t lcr_ = 0;
  uint8_t mcr_ = 0;
  uint8_t msr_ = 0;
  bool fifo_enabled_ = false;
  unsigned rx_trigger_ = 1;
  std::deque<uint8_t> rx_;
  bool overrun_ = false;          // LSR.OE, cleared by reading LSR
  bool thre_pending_ = false;     // THRE interrupt, cleared by IIR read / THR write
  bool timeout_pending_ = false;  // character timeout, cleared by reading RBR

  sc_core::sc_event irq_event_;
  sc_core::sc_event timeout_event_;
  sc_core::sc_event rx_space_event_;
  sc_core::sc_event listen_event_;
  bool listening_ = false;
  sc_core::sc_time access_delay_ = sc_core::SC_ZERO_TIME;

  std::string transmitted_;
  std::string stdout_line_;
  std::ofstream out_file_;
  std::string input_;

  uint64_t bytes_tx_ = 0, bytes_rx_ = 0, loopback_bytes_ = 0;
  uint64_t overruns_ = 0, rx_dropped_ = 0;
  uint64_t reg_reads_ = 0, reg_writes_ = 0;
};

}  // namespace hpvp
