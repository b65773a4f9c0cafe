// bestand: the coordinator's command line, over gRPC.
#include <iostream>

#include "client/cli.h"
#include "client/grpc_client.h"
#include "common/crypto.h"

// Read by AddressSanitizer in the sanitizer build (unused otherwise): full stacks for allocations,
// which this short-lived process can afford, so that tests/lsan.supp can tell gRPC's leak at exit
// from one of Bestand's.
extern "C" const char* __asan_default_options() {
  // Deep enough to reach the thread's entry point; each frame costs a DWARF lookup.
  return "fast_unwind_on_malloc=0:malloc_context_size=16";
}

int main(int argc, char** argv) {
  bestand::InitOpenSslForProcess();
  return bestand::RunCli(argc, argv, std::cout, std::cerr, &bestand::ConnectGrpcClient);
}
