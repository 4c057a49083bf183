// Errors of the model compiler: one message for the user, naming the file,
// node/field and what was expected.
#pragma once

#include <stdexcept>

namespace hpvp::compiler {

class CompileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace hpvp::compiler
