// `outpost bounce ...` commands: bounce/DSN parsing from the command line (bounce module).
#pragma once

#include <string>
#include <vector>

namespace outpost::app {

// `outpost bounce parse FILE...`: one JSON line per file with its recipients' classification;
// exit code 1 when a file cannot be read.
int bounceParse(const std::vector<std::string>& files);

}  // namespace outpost::app
