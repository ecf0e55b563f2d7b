// Crash reports, as Redis's bug report (debug.c): on SIGSEGV, SIGBUS, SIGFPE,
// SIGILL or SIGABRT, and on DEBUG PANIC/ASSERT/OOM, the log gets the signal
// and faulting address, the stack trace (backtrace(3)), the registers, INFO,
// the client list, the current client and its arguments, then the process
// dies by the same signal (or abort() for a panic), removing the pidfile of
// a daemonized server first.
//
// INFO and CLIENT LIST are TypeScript's: DEBUG SEGFAULT/PANIC/ASSERT/OOM
// fetch them (through the JsExecutor) before crashing and hand them over with
// SetCrashContext. A crash anywhere else prints what the native side knows
// (keyspace, command counters, clients) instead.
//
// The handler is installed once per process (InstallCrashHandler) and leaves
// the faults V8 handles itself (WebAssembly bounds checks) to V8.
#pragma once

#include <string>

namespace tachyon {

class Server;
struct Client;

void InstallCrashHandler();
// The server whose clients and counters the native part of a report shows.
void SetCrashServer(Server* s);
void ClearCrashServer(Server* s);
// Where the report goes: the log file ('' = stdout).
void SetCrashLogFile(const std::string& path);
// A pidfile to remove before dying (set when daemonized), '' for none.
void SetCrashPidFile(const std::string& path);
// Tachyon's version, for the report's first line.
void SetCrashVersion(const std::string& version);
// crash-log-enabled: when off, a fault kills the process without a report.
void SetCrashLogEnabled(bool enabled);
// Report sections TypeScript rendered (INFO, client lists, configuration).
void SetCrashContext(std::string text);

// Redis's serverPanic and serverAssert: a report, then abort().
[[noreturn]] void CrashPanic(const char* file, int line, const std::string& msg);
[[noreturn]] void CrashAssert(const char* file, int line, const char* expr);
// DEBUG SEGFAULT: writes to a read-only page.
[[noreturn]] void CrashSegfault();

}  // namespace tachyon
