// bestand: the coordinator's command line, over gRPC.
#include <iostream>

#include "client/cli.h"
#include "client/grpc_client.h"

int main(int argc, char** argv) {
  return bestand::RunCli(argc, argv, std::cout, std::cerr, &bestand::ConnectGrpcClient);
}
