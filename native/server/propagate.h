// The one propagation path: every change to the data, as the commands Redis
// 7.0 propagates for it, delivered to the consumers of the change stream (the
// AOF now, replicas later).
//
// Redis's model, kept here: while a top-level command runs, the operations it
// causes are collected -- keys found expired on the way (DEL, or UNLINK with
// lazyfree-lazy-expire), extra operations a command asks for (SPOP as SREM),
// commands run by EXEC -- and the command itself is added last if it changed
// the data (the dirty counter moved), as sent or in the form it asked for
// (SET EX as SET PXAT, EXPIRE as PEXPIREAT, INCRBYFLOAT as SET KEEPTTL...).
// When the top-level command ends, the batch goes out; a batch of more than
// one operation is wrapped in MULTI/EXEC so it applies atomically. EXEC
// itself is never propagated. Active expiry outside commands sends one DEL
// per key.
//
// Consumers see a flat sequence of (db, argv) and track the selected
// database themselves (emitting SELECT when it changes). Nothing is collected
// while there is no consumer, so the dispatcher pays one branch per command.
//
// Each operation has targets, as Redis's PROPAGATE_AOF / PROPAGATE_REPL: a
// command a script ran after redis.set_repl() left out the AOF or the
// replicas reaches only the others (or none, and is then not collected);
// extra operations, expiries and the MULTI/EXEC around a batch go to all.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tachyon {

// Redis's PROPAGATE_* bits (and the values of the Lua REPL_* constants).
enum PropagateTarget : uint8_t { kPropagateNone = 0, kPropagateAof = 1, kPropagateReplicas = 2, kPropagateAll = 3 };

class PropagationSink {
 public:
  virtual void Feed(int db, const std::string_view* argv, size_t argc) = 0;
  // Which of the targets this sink is (kPropagateAof for the AOF).
  virtual PropagateTarget target() const = 0;

 protected:
  ~PropagationSink() = default;
};

class Propagator {
 public:
  void AddSink(PropagationSink* sink);
  void RemoveSink(PropagationSink* sink);
  bool active() const { return !sinks_.empty(); }
  // The targets some sink consumes: a command bound only for others is not
  // collected at all (Redis's shouldPropagate, e.g. REPL_REPLICA without replicas).
  uint8_t sink_targets() const { return sink_targets_; }

  // ---- used by the dispatcher around each command ----
  // targets: where the command itself may go (a script's redis.set_repl).
  void EnterCall(uint8_t targets = kPropagateAll) {
    frames_.push_back(Frame{});
    frames_.back().targets = targets;
  }
  // The command ran in db; `changed` is whether it moved the dirty counter.
  // argv is what the client sent. Sends the batch when the outermost call ends.
  // no_multi: the command may expire arbitrary keys (SCAN, RANDOMKEY: Redis's
  // CMD_TOUCHES_ARBITRARY_KEYS); run at top level, its batch is not wrapped.
  void ExitCall(int db, bool changed, bool is_exec, const std::string_view* argv, size_t argc,
                bool no_multi = false);

  // ---- used by command bodies (through CommandContext) ----
  // Propagate the running command as argv instead of what was sent.
  void RewriteCurrent(std::vector<std::string> argv);
  // Do not propagate the running command itself (extras still go).
  void PreventCurrent();
  // Propagate the running command even if it changed nothing (FLUSHDB on an empty db).
  void ForceCurrent();
  // An extra operation, propagated before the running command.
  void Also(int db, std::vector<std::string> argv);

  // A command TypeScript runs that Redis propagates without a change to the
  // data (PUBLISH to the replicas, as forceCommandPropagation(PROPAGATE_REPL)):
  // joins the batch of a running command (EXEC), else goes out at once.
  void Command(int db, std::vector<std::string> argv, uint8_t targets);

  // A key deleted because it expired: inside a command it joins the batch,
  // outside (active expiry) it goes out at once.
  void KeyExpired(int db, std::string_view key, bool lazy_unlink);

 private:
  struct Op {
    int db;
    std::vector<std::string> argv;
    uint8_t targets = kPropagateAll;
  };
  struct Frame {
    uint8_t targets = kPropagateAll;
    bool rewritten = false;
    bool prevented = false;
    bool forced = false;
    std::vector<std::string> argv;
  };
  void Emit(int db, const std::string_view* argv, size_t argc, uint8_t targets);
  void SendPending(bool no_multi = false);

  std::vector<PropagationSink*> sinks_;
  uint8_t sink_targets_ = kPropagateNone;
  std::vector<Frame> frames_;
  std::vector<Op> pending_;
  std::vector<std::string_view> scratch_;
};

}  // namespace tachyon
