#include "backing_store.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/mman.h>

namespace hpvp {

BackingStore::BackingStore(uint64_t size) : data_(nullptr), size_(size) {
  if (size == 0) throw std::invalid_argument("memory size must be non-zero");
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED)
    throw std::runtime_error("cannot reserve " + std::to_string(size) +
                             " bytes of host memory: " + std::strerror(errno));
  data_ = static_cast<uint8_t*>(p);
}

BackingStore::~BackingStore() { munmap(data_, size_); }

}  // namespace hpvp
