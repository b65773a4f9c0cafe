// bestand: the coordinator's command line.
#include <iostream>

#include "client/cli.h"

int main(int argc, char** argv) { return bestand::RunCli(argc, argv, std::cout, std::cerr); }
