// libFuzzer target for core/hyperloglog: the sparse and dense decoders read
// strings a client can SET to anything starting with "HYLL".
//
// Input: byte 0 picks the encoding byte written into the header (or "keep
// the input's own header"), byte 1 the hll-sparse-max-bytes to use, byte 2
// how many elements to add; the rest is the string (after a generated
// header unless the input brings its own). The string lives in a heap block
// of exactly its capacity, so AddressSanitizer sees any read or write past
// what the storage reserved.
//
// Checked on every input: LooksValid() gates everything, as the commands do;
// Count(), Merge(), ToDense() and DecodeSparse() agree on which sparse
// strings are corrupt; a valid sparse string counts the same as its dense
// conversion and merges into the same registers; Add()/Set() either report
// corruption or leave a valid HyperLogLog no longer than the dense size.
//
// Build and run: scripts/fuzz-hll.sh. With -DTACHYON_FUZZ_STANDALONE it
// builds with any compiler and runs the files given on the command line once.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/hyperloglog.h"

namespace {

namespace hll = tachyon::hll;

#define FUZZ_ASSERT(cond)                                                                       \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "hll_fuzzer: invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

// A string in a malloc block of exactly `capacity` bytes.
class ExactStorage final : public hll::Storage {
 public:
  explicit ExactStorage(std::string_view s) : size_(s.size()), capacity_(s.size()) {
    data_ = static_cast<uint8_t*>(std::malloc(capacity_ ? capacity_ : 1));
    if (!s.empty()) std::memcpy(data_, s.data(), s.size());
  }
  ~ExactStorage() { std::free(data_); }
  ExactStorage(const ExactStorage&) = delete;
  ExactStorage& operator=(const ExactStorage&) = delete;
  uint8_t* data() override { return data_; }
  size_t size() const override { return size_; }
  uint8_t* Reserve(size_t capacity) override {
    if (capacity > capacity_) {
      uint8_t* p = static_cast<uint8_t*>(std::malloc(capacity));
      std::memcpy(p, data_, size_);
      std::free(data_);
      data_ = p;
      capacity_ = capacity;
    }
    return data_;
  }
  void Resize(size_t size) override {
    FUZZ_ASSERT(size <= capacity_);
    size_ = size;
  }
  std::string_view view() const { return std::string_view(reinterpret_cast<const char*>(data_), size_); }

 private:
  uint8_t* data_;
  size_t size_;
  size_t capacity_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t mode = data[0];
  const size_t max_bytes = static_cast<size_t>(data[1]) * 16;
  const int adds = data[2] % 8;
  std::string s;
  if (mode == 0xff) {
    s.assign(reinterpret_cast<const char*>(data + 3), size - 3);
  } else {
    s = hll::MakeEmpty().substr(0, hll::kHeaderSize);
    s[4] = static_cast<char>(mode % 3);  // dense, sparse, or an unknown encoding
    s.append(reinterpret_cast<const char*>(data + 3), size - 3);
    if (mode % 3 == 0 && (mode & 0x80)) s.resize(hll::kDenseSize, '\0');  // a dense string of the right size
  }
  if (!hll::LooksValid(s)) return 0;

  ExactStorage original(s);
  const bool sparse = hll::Encoding(original.data()) == hll::kSparse;
  bool invalid = false;
  const uint64_t count = hll::Count(original.view(), &invalid);
  uint8_t merged[hll::kRegisters] = {0};
  const bool merge_ok = hll::Merge(merged, original.view());
  if (sparse) {
    hll::DecodeSparse(original.view());
    FUZZ_ASSERT(merge_ok == !invalid);
    ExactStorage dense(s);
    const bool converted = hll::ToDense(dense);
    FUZZ_ASSERT(converted == merge_ok);
    if (converted) {
      FUZZ_ASSERT(dense.size() == hll::kDenseSize && hll::LooksValid(dense.view()));
      bool dense_invalid = false;
      FUZZ_ASSERT(hll::Count(dense.view(), &dense_invalid) == count && !dense_invalid);
      for (long i = 0; i < hll::kRegisters; i++) {
        FUZZ_ASSERT(hll::DenseGet(dense.data() + hll::kHeaderSize, i) == merged[i]);
      }
    } else {
      FUZZ_ASSERT(dense.view() == s);  // untouched
    }
  } else {
    FUZZ_ASSERT(merge_ok && !invalid);
  }

  ExactStorage target(s);
  for (int i = 0; i < adds; i++) {
    char element[16];
    int n = std::snprintf(element, sizeof element, "e%d:%u", i, static_cast<unsigned>(size));
    int r = hll::Add(target, std::string_view(element, n), max_bytes);
    FUZZ_ASSERT(r >= -1 && r <= 1);
    if (r < 0) break;
    FUZZ_ASSERT(hll::LooksValid(target.view()));
    FUZZ_ASSERT(target.size() <= hll::kDenseSize);
  }
  // A register value only the dense form can hold.
  int r = hll::Set(target, static_cast<long>(size % hll::kRegisters), 40, max_bytes);
  FUZZ_ASSERT(r >= -1 && r <= 1);
  if (r >= 0) FUZZ_ASSERT(hll::Encoding(target.data()) == hll::kDense && target.size() == hll::kDenseSize);
  return 0;
}

#include "fuzz/standalone_main.h"
