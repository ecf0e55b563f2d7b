// Stream nodes: Redis 7.0's encoding of a run of stream entries inside one
// listpack (t_stream.c), byte for byte, so a node can be written to and read
// from RDB files (RDB_TYPE_STREAM_LISTPACKS*) without conversion.
//
// A node is keyed (outside this file) by its master id, the id of the first
// entry ever added to it. The listpack holds a master entry, then the entries:
//
//   master:  count  deleted  num-fields  field_1 ... field_N  0
//   entry:   flags  ms-diff  seq-diff  num-fields  field_1 value_1 ... field_N value_N  lp-count
//   entry with the SAMEFIELDS flag (its fields are exactly the master's):
//            flags  ms-diff  seq-diff  value_1 ... value_N  lp-count
//
// every element an integer or a string as listpack stores it (a canonical
// decimal string becomes an integer). count is the number of live entries,
// deleted the number flagged DELETED (they stay in place); ms-diff and
// seq-diff are the id minus the master id (unsigned subtraction, stored as a
// signed 64-bit integer); lp-count is the number of elements of the entry
// before it (3 + N, or 3 + 2N + 1 without SAMEFIELDS) so the entries can be
// walked backwards; the master's trailing 0 plays the same role.
//
// Nothing here knows about radix trees, limits or the server: StreamValue
// (server/stream_value.h) decides when a node is full and which node an id
// belongs to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/listpack.h"
#include "core/stream_id.h"

namespace tachyon {
namespace stream_node {

enum Flags : int64_t {
  kFlagNone = 0,
  kFlagDeleted = 1 << 0,
  kFlagSameFields = 1 << 1,
};

// Redis refuses entries whose field and value bytes add up to more than this
// (STREAM_LISTPACK_MAX_SIZE), and never grows a node past it.
constexpr size_t kMaxSize = size_t{1} << 30;

// The master entry of a node.
struct Master {
  int64_t count = 0;       // live entries
  int64_t deleted = 0;     // entries flagged deleted
  int64_t num_fields = 0;  // master fields
  size_t fields = Listpack::npos;       // first master field
  size_t first_entry = Listpack::npos;  // flags of the first entry (npos: none)
};

// One entry of a node. Positions are listpack offsets, valid until the node changes.
struct NodeEntry {
  size_t pos = Listpack::npos;  // its flags element
  int64_t flags = 0;
  StreamId id;
  int64_t num_fields = 0;
  size_t fields = Listpack::npos;  // first field (first value with SAMEFIELDS)
  size_t lp_count = Listpack::npos;  // its trailing lp-count element

  bool deleted() const { return flags & kFlagDeleted; }
  bool same_fields() const { return flags & kFlagSameFields; }
};

// Integer value of the element at pos (strings holding a number are parsed,
// as Redis's lpGetInteger does; anything else reads as 0).
int64_t GetInteger(const Listpack& lp, size_t pos);

Master ReadMaster(const Listpack& lp);

// A new node whose master entry takes the fields of its first entry, the
// entry itself (id == master id) already added with SAMEFIELDS.
// fields_values holds numfields field/value pairs.
Listpack NewNode(const std::string_view* fields_values, size_t numfields);

// Appends an entry with id (> every id in the node) to the node whose master
// id is master_id, with SAMEFIELDS when its fields are the master's, and
// counts it in the master entry. One reallocation for the entry.
void Append(Listpack* lp, const StreamId& master_id, const StreamId& id, const std::string_view* fields_values,
            size_t numfields);

// Reads the entry whose flags are at pos.
NodeEntry ReadEntry(const Listpack& lp, const Master& m, const StreamId& master_id, size_t pos);
// The entry after e (npos at the end), and the entry before the one at pos
// (npos when pos is the first).
size_t NextEntry(const Listpack& lp, const NodeEntry& e);
size_t PrevEntry(const Listpack& lp, const Master& m, size_t pos);
// The last entry of the node, deleted or not (npos if it has none).
size_t LastEntry(const Listpack& lp, const Master& m);

// Walks the field/value pairs of an entry.
class FieldCursor {
 public:
  FieldCursor(const Listpack& lp, const Master& m, const NodeEntry& e)
      : lp_(lp), field_(e.same_fields() ? m.fields : e.fields), value_(e.fields), same_(e.same_fields()) {}
  // The next pair (the LpValues point into the listpack).
  void Next(LpValue* field, LpValue* value);

 private:
  const Listpack& lp_;
  size_t field_;
  size_t value_;
  bool same_;
};

// Flags the entry at pos deleted and moves it from count to deleted in the
// master entry. Returns the node's remaining live count.
int64_t MarkDeleted(Listpack* lp, size_t pos);

// Integrity check of untrusted node bytes (an RDB file, a RESTORE payload),
// as Redis's streamValidateListpackIntegrity: a valid listpack whose master
// entry and entries are well formed, each entry's ids strictly increasing
// from master_id, its lp-count right, the master counts matching the flags.
// With deep = false only the listpack header. *count gets the live entries,
// *last the id of the last entry (deleted or not). Never reads out of bounds.
bool Validate(std::string_view bytes, const StreamId& master_id, bool deep, int64_t* count = nullptr,
              StreamId* last = nullptr);

}  // namespace stream_node
}  // namespace tachyon
