#include "periph/uart16550.h"

#include <cstdio>
#include <iterator>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "periph/mmio.h"
#include <hpvp/hw/uart16550.h>

namespace hpvp {

using sc_core::sc_time;

namespace {

// Bits the shared header does not name (firmware does not need them).
constexpr uint8_t kIerElsi = 0x04;   // receiver line status interrupt
constexpr uint8_t kIerEdssi = 0x08;  // modem status interrupt
constexpr uint8_t kIerMask = 0x0f;   // IER[7:4] read 0 on a 16550A

constexpr uint8_t kIirNone = 0x01;  // no interrupt pending
constexpr uint8_t kIirModem = 0x00;
constexpr uint8_t kIirThre = 0x02;
constexpr uint8_t kIirRxData = 0x04;
constexpr uint8_t kIirLineStatus = 0x06;
constexpr uint8_t kIirTimeout = 0x0c;
constexpr uint8_t kIirFifosEnabled = 0xc0;

constexpr uint8_t kFcrEnable = 0x01;
constexpr uint8_t kFcrRxReset = 0x02;
constexpr unsigned kRxTriggerLevels[4] = {1, 4, 8, 14};  // FCR[7:6]

constexpr uint8_t kLsrOverrun = 0x02;

constexpr uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08;
constexpr uint8_t kMcrLoop = 0x10;
constexpr uint8_t kMcrMask = 0x1f;

constexpr uint8_t kMsrDcts = 0x01, kMsrDdsr = 0x02, kMsrTeri = 0x04, kMsrDdcd = 0x08;
constexpr uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
constexpr uint8_t kMsrDeltas = 0x0f;
// Outside loopback the modem inputs show a connected, ready terminal.
constexpr uint8_t kMsrConnected = kMsrCts | kMsrDsr | kMsrDcd;

constexpr uint8_t kLcrReset = 0x03;  // 8 data bits, no parity, 1 stop bit

}  // namespace

Uart16550::Uart16550(sc_core::sc_module_name name, const Config& cfg)
    : sc_module(name), socket("socket"), irq("irq"), cfg_(cfg), bank_(std::string(this->name())) {
  if (cfg.char_time == sc_core::SC_ZERO_TIME)
    throw std::invalid_argument(std::string(this->name()) + ": char_time must be > 0");
  if (!cfg.output_file.empty()) {
    out_file_.open(cfg.output_file, std::ios::binary | std::ios::trunc);
    if (!out_file_)
      throw std::runtime_error(std::string(this->name()) + ": cannot open output file " +
                               cfg.output_file);
  }
  if (!cfg.input_file.empty()) {
    std::ifstream in(cfg.input_file, std::ios::binary);
    if (!in)
      throw std::runtime_error(std::string(this->name()) + ": cannot open input file " +
                               cfg.input_file);
    input_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  lcr_ = kLcrReset;
  msr_ = kMsrConnected;
  declare_registers();

  socket.register_b_transport(this, &Uart16550::b_transport);
  socket.register_transport_dbg(this, &Uart16550::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &Uart16550::get_direct_mem_ptr);

  SC_METHOD(drive_irq);
  sensitive << irq_event_;
  SC_METHOD(rx_timeout);
  sensitive << timeout_event_;
  dont_initialize();
  SC_THREAD(feed_input);
}

Uart16550::~Uart16550() { flush_output(); }

// Offsets 0-2 are shared: DLAB selects the divisor latch, and reads and
// writes of offset 2 reach different registers (IIR / FCR). Each entry is
// the bus view of one offset; the callbacks route to the register selected.
void Uart16550::declare_registers() {
  bank_.add({
      RegDef("RBR/THR/DLL", UART_REG_RBR, 1)
          .reads([this](uint64_t) { return dlab() ? dll_ : read_rbr(); })
          .after_read([this] {
            if (!dlab()) pop_rbr();
          })
          .after_write([this](uint64_t v, uint64_t) {
            if (dlab())
              dll_ = static_cast<uint8_t>(v);
            else
              write_thr(static_cast<uint8_t>(v));
          }),
      RegDef("IER/DLM", UART_REG_IER, 1)
          .reads([this](uint64_t) { return dlab() ? dlm_ : ier_; })
          .after_write([this](uint64_t v, uint64_t) {
            if (dlab())
              dlm_ = static_cast<uint8_t>(v);
            else
              write_ier(static_cast<uint8_t>(v));
          }),
      RegDef("IIR/FCR", UART_REG_IIR, 1)
          .reads([this](uint64_t) { return iir(); })
          .after_read([this] { after_iir_read(); })
          .after_write([this](uint64_t v, uint64_t) { write_fcr(static_cast<uint8_t>(v)); }),
      RegDef("LCR", UART_REG_LCR, 1).reset(kLcrReset).after_write([this](uint64_t v, uint64_t) {
        lcr_ = static_cast<uint8_t>(v);
      }),
      RegDef("MCR", UART_REG_MCR, 1).mask(kMcrMask).after_write([this](uint64_t v, uint64_t) {
        write_mcr(static_cast<uint8_t>(v));
      }),
      RegDef("LSR", UART_REG_LSR, 1)
          .access(RegAccess::ReadOnly)
          .reads([this](uint64_t) { return lsr(); })
          .after_read([this] {
            listening();
            if (!overrun_) return;  // the common poll: nothing to clear
            overrun_ = false;       // reading LSR clears the error bits
            state_changed();
          }),
      RegDef("MSR", UART_REG_MSR, 1)
          .access(RegAccess::ReadOnly)
          .reads([this](uint64_t) { return msr_; })
          .after_read([this] {
            if (!(msr_ & kMsrDeltas)) return;
            msr_ &= static_cast<uint8_t>(~kMsrDeltas);  // reading MSR clears the deltas
            state_changed();
          }),
      RegDef("SCR", UART_REG_SCR, 1),
  });
}

void Uart16550::before_end_of_elaboration() { ties_.tie_output(irq); }

void Uart16550::end_of_simulation() { flush_output(); }

bool Uart16550::dlab() const { return lcr_ & UART_LCR_DLAB; }
bool Uart16550::loopback() const { return mcr_ & kMcrLoop; }

// ----------------------------------------------------------------- registers

uint8_t Uart16550::read_rbr() const { return rx_.empty() ? 0 : rx_.front(); }

void Uart16550::pop_rbr() {
  listening();
  if (rx_.empty()) return;
  rx_.pop_front();
  timeout_pending_ = false;
  restart_rx_timeout();
  rx_space_event_.notify(access_delay_);
  state_changed();
}

void Uart16550::write_thr(uint8_t byte) {
  if (loopback()) {
    ++loopback_bytes_;
    receive(byte);
  } else {
    emit(byte);
  }
  // The byte left at once, so THR is empty again: the write cleared the
  // THRE interrupt and the emptied register raises it anew.
  thre_pending_ = true;
  state_changed();
}

void Uart16550::write_ier(uint8_t value) {
  const uint8_t enabled_now = value & ~ier_;
  ier_ = value & kIerMask;
  // Enabling ETBEI while THR is empty (always, here) raises THRE at once.
  if (enabled_now & UART_IER_ETBEI) thre_pending_ = true;
  if (ier_ & UART_IER_ERBFI) listening();
  state_changed();
}

void Uart16550::write_fcr(uint8_t value) {
  const bool enable = value & kFcrEnable;
  // Toggling FIFO mode resets the FIFOs; the other bits need FIFO mode.
  if (enable != fifo_enabled_ || (enable && (value & kFcrRxReset))) clear_rx();
  fifo_enabled_ = enable;
  if (enable) rx_trigger_ = kRxTriggerLevels[value >> 6];
  // The TX FIFO reset (bit 2) has nothing to do: transmission is instant.
  state_changed();
}

void Uart16550::write_mcr(uint8_t value) {
  const bool was_loopback = loopback();
  mcr_ = value & kMcrMask;
  if (was_loopback && !loopback()) rx_space_event_.notify(access_delay_);
  modem_inputs_changed();
  state_changed();
}

// The modem status inputs are the MCR outputs in loopback, else a
// connected terminal. Changes latch the MSR delta bits.
void Uart16550::modem_inputs_changed() {
  uint8_t now = kMsrConnected;
  if (loopback()) {
    now = 0;
    if (mcr_ & kMcrRts) now |= kMsrCts;
    if (mcr_ & kMcrDtr) now |= kMsrDsr;
    if (mcr_ & kMcrOut1) now |= kMsrRi;
    if (mcr_ & kMcrOut2) now |= kMsrDcd;
  }
  const uint8_t before = msr_ & ~kMsrDeltas;
  const uint8_t changed = before ^ now;
  uint8_t deltas = msr_ & kMsrDeltas;
  if (changed & kMsrCts) deltas |= kMsrDcts;
  if (changed & kMsrDsr) deltas |= kMsrDdsr;
  if ((before & kMsrRi) && !(now & kMsrRi)) deltas |= kMsrTeri;  // trailing edge only
  if (changed & kMsrDcd) deltas |= kMsrDdcd;
  msr_ = now | deltas;
}

// Highest-priority pending enabled interrupt, as IIR[3:0] encodes it.
uint8_t Uart16550::interrupt_id() const {
  if ((ier_ & kIerElsi) && overrun_) return kIirLineStatus;
  if ((ier_ & UART_IER_ERBFI) && rx_data_available()) return kIirRxData;
  if ((ier_ & UART_IER_ERBFI) && timeout_pending_) return kIirTimeout;
  if ((ier_ & UART_IER_ETBEI) && thre_pending_) return kIirThre;
  if ((ier_ & kIerEdssi) && (msr_ & kMsrDeltas)) return kIirModem;
  return kIirNone;
}

uint8_t Uart16550::iir() const { return interrupt_id() | (fifo_enabled_ ? kIirFifosEnabled : 0); }

// Reading IIR acknowledges a THRE interrupt, but only if it was the one
// reported; the other sources are cleared by servicing their cause.
void Uart16550::after_iir_read() {
  if (interrupt_id() != kIirThre) return;
  thre_pending_ = false;
  state_changed();
}

uint8_t Uart16550::lsr() const {
  uint8_t v = UART_LSR_THRE | UART_LSR_TEMT;  // transmission is instantaneous
  if (!rx_.empty()) v |= UART_LSR_DR;
  if (overrun_) v |= kLsrOverrun;
  return v;
}

// -------------------------------------------------------------- line, FIFO

void Uart16550::emit(uint8_t byte) {
  ++bytes_tx_;
  transmitted_.push_back(static_cast<char>(byte));
  if (cfg_.to_stdout) stdout_line_.push_back(static_cast<char>(byte));
  if (out_file_.is_open()) out_file_.put(static_cast<char>(byte));
  if (byte == '\n') flush_output();
}

void Uart16550::flush_output() {
  if (!stdout_line_.empty()) {
    std::fwrite(stdout_line_.data(), 1, stdout_line_.size(), stdout);
    std::fflush(stdout);
    stdout_line_.clear();
  }
  if (out_file_.is_open()) out_file_.flush();
}

void Uart16550::push_rx(uint8_t byte) {
  if (loopback()) {
    ++rx_dropped_;
    return;
  }
  receive(byte);
}

void Uart16550::push_rx(const std::string& bytes) {
  for (char c : bytes) push_rx(static_cast<uint8_t>(c));
}

size_t Uart16550::rx_capacity() const { return fifo_enabled_ ? kFifoDepth : 1; }

bool Uart16550::rx_has_room() const { return !loopback() && rx_.size() < rx_capacity(); }

bool Uart16550::rx_data_available() const {
  return fifo_enabled_ ? rx_.size() >= rx_trigger_ : !rx_.empty();
}

void Uart16550::receive(uint8_t byte) {
  ++bytes_rx_;
  if (rx_.size() < rx_capacity()) {
    rx_.push_back(byte);
  } else {
    // Overrun: a full FIFO keeps its contents and loses the new byte; the
    // 16450-mode holding register is overwritten by it.
    overrun_ = true;
    ++overruns_;
    if (!fifo_enabled_) rx_.back() = byte;
    spdlog::debug("{}: receive overrun", name());
  }
  timeout_pending_ = false;
  restart_rx_timeout();
  state_changed();
}

void Uart16550::clear_rx() {
  rx_.clear();
  timeout_pending_ = false;
  timeout_event_.cancel();
  rx_space_event_.notify(access_delay_);
}

// The character timeout fires when the FIFO holds data and nothing entered
// or left it for four character times.
void Uart16550::restart_rx_timeout() {
  timeout_event_.cancel();
  if (fifo_enabled_ && !rx_.empty()) timeout_event_.notify(access_delay_ + 4 * cfg_.char_time);
}

void Uart16550::rx_timeout() {
  if (!fifo_enabled_ || rx_.empty()) return;
  timeout_pending_ = true;
  state_changed();
}

// ------------------------------------------------- interrupt line, input

// The line follows the state at the access's own (decoupled) time.
void Uart16550::state_changed() { irq_event_.notify(access_delay_); }

void Uart16550::drive_irq() { irq.write(interrupt_id() != kIirNone); }

// The firmware shows it listens to the receiver by polling LSR, reading RBR
// or enabling the RX interrupt. Input starts only then, so that the FIFO
// resets of its UART initialisation do not swallow the first bytes.
void Uart16550::listening() {
  if (listening_) return;
  listening_ = true;
  listen_event_.notify(access_delay_);
}

void Uart16550::feed_input() {
  if (input_.empty()) return;
  if (!listening_) wait(listen_event_);
  for (char c : input_) {
    wait(cfg_.char_time);  // one character time on the line
    while (!rx_has_room()) wait(rx_space_event_);
    receive(static_cast<uint8_t>(c));
  }
}

// ----------------------------------------------------------------- transport

void Uart16550::serve(tlm::tlm_generic_payload& tx, const sc_time& delay, bool debug) {
  access_delay_ = delay;
  bank_.access(tx, debug);
  access_delay_ = sc_core::SC_ZERO_TIME;  // push_rx() and processes act "now"
  if (!tx.is_response_ok()) {
    spdlog::debug("{}: {} at +0x{:x} failed", name(), tx.is_read() ? "read" : "write",
                  tx.get_address());
    return;
  }
  if (!debug) ++(tx.is_read() ? reg_reads_ : reg_writes_);
}

void Uart16550::b_transport(tlm::tlm_generic_payload& tx, sc_time& delay) {
  serve(tx, delay, false);
  delay += cfg_.latency;
}

unsigned Uart16550::transport_dbg(tlm::tlm_generic_payload& tx) {
  serve(tx, sc_core::SC_ZERO_TIME, true);
  return debug_bytes(tx);
}

bool Uart16550::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  return refuse_dmi(dmi, UART_SIZE);
}

void Uart16550::dump_stats(nlohmann::json& out) const {
  out["bytes_tx"] = bytes_tx_;
  out["bytes_rx"] = bytes_rx_;
  out["loopback_bytes"] = loopback_bytes_;
  out["rx_overruns"] = overruns_;
  out["rx_dropped"] = rx_dropped_;
  out["reg_reads"] = reg_reads_;
  out["reg_writes"] = reg_writes_;
}

}  // namespace hpvp
