// stepista_testhost: loads the built Stepista VST3 headless, drives its transport, and prints what
// it plays as JSON lines (see plugin/README.md for the subcommands and their output).
#include "Commands.h"
#include "Json.h"

#include <juce_events/juce_events.h>

#include <cstdio>
#include <stdexcept>

namespace {

const char* usage =
    "usage: stepista_testhost info BUNDLE\n"
    "       stepista_testhost run BUNDLE [--sr 48000] [--block 64] [--bpm 120] [--seconds S]\n"
    "           [--start-ppq X] [--wait-clip SEQ] [--timeout SEC] [--wait-port-file F]\n"
    "           [--state-in F] [--state-out F] [--jump AT_SEC:TO_PPQ]... [--stop-at SEC]\n"
    "           [--tempo-at SEC:BPM]... [--loop START_PPQ:END_PPQ] [--realtime]\n"
    "           [--host-stopped]\n"
    "       stepista_testhost bench BUNDLE --state-in F [--sr 48000] [--block 64] [--seconds 60]\n"
    "       stepista_testhost state BUNDLE --out F [--pattern small|dense] [--sync 0|1|2]\n";

}  // namespace

int main(int argc, char** argv) {
    juce::ScopedJuceInitialiser_GUI juce;  // a message manager on this thread; no window is made
    try {
        const testhost::Args args(argc, argv);
        const auto& words = args.positional();
        const std::string command = words.empty() ? "" : words[0];
        if (words.size() == 2 && command == "info")
            return testhost::info(args);
        if (words.size() == 2 && command == "run")
            return testhost::run(args);
        if (words.size() == 2 && command == "bench")
            return testhost::bench(args);
        if (words.size() == 2 && command == "state")
            return testhost::state(args);
        std::fputs(usage, stderr);
        return 64;
    } catch (const std::exception& error) {
        testhost::emit("{\"error\":" + testhost::quoted(error.what()) + "}");
        return 2;
    }
}
