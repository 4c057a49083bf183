// Ties interrupt ports that nobody bound, so a platform (or a unit test) can
// leave unused irq lines unconnected. SystemC requires every sc_in/sc_out to
// be bound; a model calls these from before_end_of_elaboration(), after the
// parent had its chance to bind, and only unbound ports get a private signal.
#pragma once

#include <memory>
#include <systemc>
#include <vector>

namespace hpvp {

class PortTies {
 public:
  // Inputs read a constant false: one shared, never-written signal suffices.
  void tie_inputs(sc_core::sc_vector<sc_core::sc_in<bool>>& ports) {
    for (auto& port : ports)
      if (port.bind_count() == 0) port.bind(low());
  }

  // Each output needs its own signal: sc_signal allows a single writer.
  void tie_output(sc_core::sc_out<bool>& port) {
    if (port.bind_count() != 0) return;
    signals_.push_back(
        std::make_unique<sc_core::sc_signal<bool>>(sc_core::sc_gen_unique_name("unbound")));
    port.bind(*signals_.back());
  }

  void tie_outputs(sc_core::sc_vector<sc_core::sc_out<bool>>& ports) {
    for (auto& port : ports) tie_output(port);
  }

 private:
  sc_core::sc_signal<bool>& low() {
    if (!low_) low_ = std::make_unique<sc_core::sc_signal<bool>>("tie_low");
    return *low_;
  }

  std::unique_ptr<sc_core::sc_signal<bool>> low_;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> signals_;
};

}  // namespace hpvp
