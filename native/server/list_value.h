// ListValue: the value of a LIST key.
//
// Redis 7.0 has a single list encoding, "quicklist" (a doubly linked list of
// listpack nodes; the "listpack" list encoding only arrived in 7.2), so a
// ListValue is a thin owner of a core Quicklist and OBJECT ENCODING always
// reports quicklist. The node layout follows Redis's filling rules (see
// core/quicklist.h), which is what makes persistence cheap: an RDB writer
// emits RDB_TYPE_LIST_QUICKLIST_2 by walking quicklist().head() and writing
// each node's listpack bytes (node->lp.view()) or plain bytes as they are,
// and a loader rebuilds the value with Quicklist::AppendListpackNode /
// AppendPlainNode and the ListValue(Quicklist&&) constructor.
//
// A list takes list-max-listpack-size (node fill) and list-compress-depth from
// the server settings when it is created and keeps them for its lifetime,
// like Redis's quicklistSetOptions at creation (CONFIG SET affects new lists).
//
// Also declared here: the list operations every list command shares, in a
// form the blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) can
// call when they serve a key, so reply shapes and keyspace bookkeeping stay
// in one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/listpack.h"
#include "core/quicklist.h"
#include "server/object.h"

namespace tachyon {

class CommandRegistry;
struct CommandContext;
class Reply;

// LEFT / RIGHT: Redis's LIST_HEAD / LIST_TAIL.
enum class ListWhere : uint8_t { kHead = 0, kTail = 1 };

class ListValue final : public Collection {
 public:
  ListValue(int fill, int compress_depth) : ql_(fill, compress_depth) {}
  // Takes a quicklist built elsewhere (RDB loading, RESTORE). Must not be empty
  // once it is stored under a key.
  explicit ListValue(Quicklist&& ql) : ql_(std::move(ql)) {}
  ListValue(const ListValue&) = delete;
  ListValue& operator=(const ListValue&) = delete;

  // Collection
  size_t MemoryUsage(size_t samples) const override;
  size_t ObjectSize() const override { return sizeof(*this); }
  bool Relocatable() const override { return true; }  // no member points into the object
  size_t Length() const override { return ql_.size(); }
  size_t FreeEffort() const override { return ql_.node_count(); }
  Collection* Clone() const override;

  size_t size() const { return ql_.size(); }
  bool empty() const { return ql_.empty(); }

  void Push(std::string_view value, ListWhere where) {
    if (where == ListWhere::kHead) {
      ql_.PushHead(value);
    } else {
      ql_.PushTail(value);
    }
  }
  // The first / last element, without copying (valid until the next
  // mutation). The list must not be empty.
  LpValue Peek(ListWhere where) const;
  // Removes the first / last element. The list must not be empty.
  void PopDiscard(ListWhere where) {
    if (where == ListWhere::kHead) {
      ql_.PopHead(nullptr);
    } else {
      ql_.PopTail(nullptr);
    }
  }

  // f(const LpValue&) for `count` elements starting at index `from`
  // (0-based, already normalised and in range), towards the tail, or
  // towards the head when reverse. f must not modify the list.
  template <class F>
  void ForRange(long from, size_t count, bool reverse, F&& f);

  // Direct access: iteration, LSET/LINSERT/LREM, persistence.
  Quicklist& quicklist() { return ql_; }
  const Quicklist& quicklist() const { return ql_; }

 private:
  Quicklist ql_;
};

template <class F>
void ListValue::ForRange(long from, size_t count, bool reverse, F&& f) {
  Quicklist::Iterator it = ql_.GetIteratorAtIndex(!reverse, from);
  QlEntry e;
  while (count-- && it.Next(&e)) f(e.value);
}

// ---------------------------------------------------------------------------
// Operations shared with the blocking list commands. Where they take an
// Entry, the caller has looked the key up (c.WriteKey*, Redis's
// lookupKeyWrite) and checked that it holds a list. Keys passed as
// string_view should be command arguments: they are used for replies and
// bookkeeping and must not point into an entry that the operation may free.

// A new empty list with the server's current list settings. The caller adds
// it to the keyspace (NewCollectionEntry(..., kList, kEncQuicklist, ...)).
std::unique_ptr<ListValue> NewListValue(CommandContext& c);
// Creates an empty list under key (absent) and returns it.
ListValue* CreateListKey(CommandContext& c, std::string_view key);

// A list element as a bulk string.
void ReplyListElement(Reply& r, const LpValue& v);

// Redis's addListRangeReply: start/end as given by the user (negative from
// the tail), clamped; an empty range replies an empty array.
void ListRangeReply(CommandContext& c, ListValue* list, long start, long end, bool reverse);

// Redis's listElementsRemoved: after `count` elements were removed from the
// list at key, deletes the key if the list became empty, then signals the
// modification and counts `count` changes. Returns true if the key was
// deleted (list is then freed).
bool ListElementsRemoved(CommandContext& c, std::string_view key, ListValue* list, long count);

// How a pop replies.
enum class ListPopReply : uint8_t {
  kBulk,         // LPOP/RPOP without count: the element
  kArray,        // LPOP/RPOP with count: [elements]
  kKeyAndArray,  // LMPOP/BLMPOP: [key, [elements]]
  kKeyAndValue,  // BLPOP/BRPOP: [key, element] (count must be 1)
};

// Pops up to `count` (>= 1) elements from the list entry e (a non-empty
// list stored under key) at `where`, replying in the given shape, and
// does the keyspace bookkeeping. Returns true if the key was deleted
// because the list became empty.
bool ListPopGeneric(CommandContext& c, std::string_view key, Entry* e, ListWhere where, long count,
                    ListPopReply shape);

// LMOVE/RPOPLPUSH core (Redis's lmoveGenericCommand after the source was
// found): moves one element from the non-empty list src_entry (stored under
// src) at `from` to the list at dst (created if absent) at `to`, and
// replies the element. If dst holds another type, replies WRONGTYPE and
// changes nothing. src and dst may be the same key (rotation). Returns
// false when nothing was moved (WRONGTYPE).
bool ListMoveGeneric(CommandContext& c, std::string_view src, Entry* src_entry, std::string_view dst,
                     ListWhere from, ListWhere to);

// LEFT / RIGHT (case-insensitive) at argv[i]; replies a syntax error and
// returns false otherwise.
bool ParseListWhere(CommandContext& c, int i, ListWhere* out);

// Parsed "numkeys key [key ...] LEFT|RIGHT [COUNT count]" (LMPOP, and
// BLMPOP after its timeout), with Redis's checks and error texts.
struct ListMpopArgs {
  const std::string_view* keys = nullptr;
  long numkeys = 0;
  ListWhere where = ListWhere::kHead;
  long count = 1;
};
bool ParseListMpopArgs(CommandContext& c, int numkeys_idx, ListMpopArgs* out);

// What an attempt to pop from the first non-empty list of several keys did.
enum class ListServe : uint8_t {
  kServed,  // replied [key, [elements]] and popped
  kError,   // replied an error (WRONGTYPE)
  kEmpty,   // every key was missing or empty: nothing replied
};
// Redis's mpopGenericCommand without the final null reply: LMPOP replies a
// null array on kEmpty, BLMPOP blocks instead.
ListServe ListMpopGeneric(CommandContext& c, const ListMpopArgs& args);

}  // namespace tachyon
