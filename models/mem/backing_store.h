// Host memory behind a simulated memory: an anonymous mapping, so a large
// DRAM costs host memory only for the pages the firmware touches.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hpvp {

class BackingStore {
 public:
  explicit BackingStore(uint64_t size);
  ~BackingStore();
  BackingStore(const BackingStore&) = delete;
  BackingStore& operator=(const BackingStore&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  uint8_t* data_;
  uint64_t size_;
};

}  // namespace hpvp
