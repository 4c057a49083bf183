// TLM initiator for peripheral unit tests. A test binds `socket` to the
// model under test, hands a script to run() and calls sc_start(): the script
// runs in an SC_THREAD, so it may wait() between accesses and observe the
// model's outputs at precise simulated times.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

namespace hpvp::test {

class TlmDriver : public sc_core::sc_module {
 public:
  struct Result {
    tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
    uint64_t data = 0;
    sc_core::sc_time delay;  // the local offset after the target added its latency
    bool ok() const { return status == tlm::TLM_OK_RESPONSE; }
  };

  tlm_utils::simple_initiator_socket<TlmDriver> socket;

  SC_HAS_PROCESS(TlmDriver);
  explicit TlmDriver(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
    SC_THREAD(main);
  }

  // The script to run once the simulation starts.
  void run(std::function<void()> script) { script_ = std::move(script); }

  // One b_transport issued with local time offset `delay` (temporal
  // decoupling); does not wait, so the caller controls time.
  Result transact(tlm::tlm_command cmd, uint64_t addr, uint64_t data, unsigned len,
                  sc_core::sc_time delay = sc_core::SC_ZERO_TIME) {
    tlm::tlm_generic_payload tx;
    unsigned char buf[8] = {};
    std::memcpy(buf, &data, sizeof buf);
    prepare(tx, cmd, addr, buf, len);
    socket->b_transport(tx, delay);
    Result r;
    r.status = tx.get_response_status();
    std::memcpy(&r.data, buf, sizeof r.data);
    r.data &= len >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * len)) - 1;
    r.delay = delay;
    return r;
  }

  // Debug transport: returns bytes moved in `data`'s place via Result.
  Result debug(tlm::tlm_command cmd, uint64_t addr, uint64_t data, unsigned len) {
    tlm::tlm_generic_payload tx;
    unsigned char buf[8] = {};
    std::memcpy(buf, &data, sizeof buf);
    prepare(tx, cmd, addr, buf, len);
    const unsigned moved = socket->transport_dbg(tx);
    Result r;
    r.status = moved == len ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE;
    std::memcpy(&r.data, buf, sizeof r.data);
    r.data &= len >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * len)) - 1;
    return r;
  }

  // Plain accesses at the current time; the target's latency is waited off
  // so simulated time stays in step. status() tells how the last one went.
  uint64_t read(uint64_t addr, unsigned len) {
    last_ = transact(tlm::TLM_READ_COMMAND, addr, 0, len);
    sync();
    return last_.data;
  }
  void write(uint64_t addr, uint64_t value, unsigned len) {
    last_ = transact(tlm::TLM_WRITE_COMMAND, addr, value, len);
    sync();
  }
  uint8_t read8(uint64_t addr) { return static_cast<uint8_t>(read(addr, 1)); }
  uint32_t read32(uint64_t addr) { return static_cast<uint32_t>(read(addr, 4)); }
  uint64_t read64(uint64_t addr) { return read(addr, 8); }
  void write8(uint64_t addr, uint8_t v) { write(addr, v, 1); }
  void write32(uint64_t addr, uint32_t v) { write(addr, v, 4); }
  void write64(uint64_t addr, uint64_t v) { write(addr, v, 8); }

  tlm::tlm_response_status status() const { return last_.status; }
  bool ok() const { return last_.ok(); }
  bool script_done() const { return done_; }

 private:
  static void prepare(tlm::tlm_generic_payload& tx, tlm::tlm_command cmd, uint64_t addr,
                      unsigned char* buf, unsigned len) {
    tx.set_command(cmd);
    tx.set_address(addr);
    tx.set_data_ptr(buf);
    tx.set_data_length(len);
    tx.set_streaming_width(len);
    tx.set_byte_enable_ptr(nullptr);
    tx.set_dmi_allowed(false);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  }

  void sync() {
    if (last_.delay != sc_core::SC_ZERO_TIME) wait(last_.delay);
  }

  void main() {
    if (script_) script_();
    done_ = true;
  }

  std::function<void()> script_;
  Result last_;
  bool done_ = false;
};

// Records every change of a bool signal with its simulated time, so tests
// can assert the exact instant an interrupt line rose or fell.
class EdgeProbe : public sc_core::sc_module {
 public:
  struct Edge {
    sc_core::sc_time time;
    bool level;
  };

  sc_core::sc_in<bool> in;

  SC_HAS_PROCESS(EdgeProbe);
  explicit EdgeProbe(sc_core::sc_module_name name) : sc_module(name), in("in") {
    SC_METHOD(sample);
    sensitive << in;
    dont_initialize();
  }

  const std::vector<Edge>& edges() const { return edges_; }
  // Time of the n-th rising edge; SC_ZERO_TIME with `found` false if none.
  sc_core::sc_time rise(size_t n = 0, bool* found = nullptr) const {
    for (const auto& e : edges_)
      if (e.level && n-- == 0) {
        if (found) *found = true;
        return e.time;
      }
    if (found) *found = false;
    return sc_core::SC_ZERO_TIME;
  }

 private:
  void sample() { edges_.push_back({sc_core::sc_time_stamp(), in.read()}); }
  std::vector<Edge> edges_;
};

}  // namespace hpvp::test
