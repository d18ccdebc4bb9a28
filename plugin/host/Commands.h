// The test host's subcommands; each prints JSON lines on stdout and returns the exit code.
#pragma once

#include "Args.h"

namespace testhost {

int info(const Args& args);   // info BUNDLE
int run(const Args& args);    // run BUNDLE [options]: MIDI events as JSON lines
int bench(const Args& args);  // bench BUNDLE --state-in F: processBlock cost
int state(const Args& args);  // state BUNDLE --pattern small|dense --out F: a state via OSC

}  // namespace testhost
