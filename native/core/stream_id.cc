// StreamId: ordering helpers, the 128-bit big-endian form, formatting and
// Redis's id parsing rules. See stream_id.h.
#include "core/stream_id.h"

#include <cstring>

#include "core/util.h"

namespace tachyon {

bool StreamId::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) {
      ms = seq = 0;
      return false;
    }
    ms++;
    seq = 0;
  } else {
    seq++;
  }
  return true;
}

bool StreamId::Decr() {
  if (seq == 0) {
    if (ms == 0) {
      ms = seq = UINT64_MAX;
      return false;
    }
    ms--;
    seq = UINT64_MAX;
  } else {
    seq--;
  }
  return true;
}

void StreamId::Encode(unsigned char out[16]) const {
  for (int i = 0; i < 8; i++) {
    out[i] = static_cast<unsigned char>(ms >> (56 - 8 * i));
    out[8 + i] = static_cast<unsigned char>(seq >> (56 - 8 * i));
  }
}

StreamId StreamId::Decode(const unsigned char in[16]) {
  StreamId id;
  for (int i = 0; i < 8; i++) {
    id.ms = (id.ms << 8) | in[i];
    id.seq = (id.seq << 8) | in[8 + i];
  }
  return id;
}

size_t StreamId::Format(char* buf) const {
  int n = Ull2String(buf, 21, ms);
  buf[n++] = '-';
  n += Ull2String(buf + n, 21, seq);
  return static_cast<size_t>(n);
}

std::string StreamId::ToString() const {
  char buf[kMaxChars];
  return std::string(buf, Format(buf));
}

bool StreamId::Parse(std::string_view s, bool strict, uint64_t missing_seq, StreamId* out, bool allow_auto_seq,
                     bool* seq_given) {
  if (s.size() > 127) return false;
  const size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  if (strict && s.size() == 1 && (s[0] == '-' || s[0] == '+')) return false;
  if (seq_given) *seq_given = true;
  if (s == "-") {
    *out = Min();
    return true;
  }
  if (s == "+") {
    *out = Max();
    return true;
  }
  const size_t dash = s.find('-');
  unsigned long long ms, seq;
  if (!String2ull(s.substr(0, dash), &ms)) return false;
  if (dash != std::string_view::npos) {
    std::string_view rest = s.substr(dash + 1);
    if (allow_auto_seq && rest == "*") {
      seq = 0;
      if (seq_given) *seq_given = false;
    } else if (!String2ull(rest, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  out->ms = ms;
  out->seq = seq;
  return true;
}

}  // namespace tachyon
