// The blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX
// BZMPOP (blocking_family.cc). Scheduling (FIFO among blocked clients,
// timeouts, CLIENT UNBLOCK) is TypeScript's: see src/features/blocking.ts.
#pragma once

namespace tachyon {

class CommandRegistry;

void RegisterBlockingCommands(CommandRegistry& r);

}  // namespace tachyon
