// With -DTACHYON_FUZZ_STANDALONE a fuzzer builds with any compiler, without
// libFuzzer: this main() runs LLVMFuzzerTestOneInput once on each file named
// on the command line (reproducers, corpus entries). Include it last.
#pragma once

#ifdef TACHYON_FUZZ_STANDALONE
#include <cstdint>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    FILE* f = std::fopen(argv[i], "rb");
    if (f == nullptr) {
      std::perror(argv[i]);
      return 1;
    }
    std::string data;
    char chunk[65536];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) data.append(chunk, n);
    std::fclose(f);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
  std::printf("ran %d inputs\n", argc - 1);
  return 0;
}
#endif
