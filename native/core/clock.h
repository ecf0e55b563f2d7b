// Cheap time sources for the hot path.
//
// gettimeofday() can cost hundreds of nanoseconds on virtual machines whose
// clock source has no vDSO fast path, more than a whole GET. Commands
// therefore share one wall-clock reading per batch (refreshed every few dozen
// commands), and per-command durations are measured in CPU cycles and
// converted to microseconds with a ratio calibrated against the wall clock.
#pragma once

#include <cstdint>
#include <ctime>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace tachyon {

inline uint64_t CycleCount() {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
#endif
}

// Converts cycle counts to microseconds; Calibrate() is called periodically with
// paired readings so the ratio follows the real counter frequency.
class CycleCalibration {
 public:
  void Calibrate(uint64_t cycles, int64_t wall_us) {
    if (last_wall_us_ != 0 && wall_us > last_wall_us_ + 10000 && cycles > last_cycles_) {
      double ratio = static_cast<double>(cycles - last_cycles_) / static_cast<double>(wall_us - last_wall_us_);
      per_us_ = per_us_ == 0 ? ratio : per_us_ * 0.8 + ratio * 0.2;
    }
    last_cycles_ = cycles;
    last_wall_us_ = wall_us;
  }
  // Until calibrated, assume a nominal 2 GHz counter.
  double cycles_per_us() const { return per_us_ > 0 ? per_us_ : 2000.0; }
  uint64_t ToMicros(uint64_t cycles) const { return static_cast<uint64_t>(cycles / cycles_per_us()); }

 private:
  uint64_t last_cycles_ = 0;
  int64_t last_wall_us_ = 0;
  double per_us_ = 0;
};

}  // namespace tachyon
