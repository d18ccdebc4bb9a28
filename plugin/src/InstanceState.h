// What an instance saves with the DAW project: its id, name, sync mode and the last clip it was
// given, as XML in JUCE's binary wrapper (AudioProcessor::copyXmlToBinary).
#pragma once

#include "Player.h"

#include <juce_audio_processors/juce_audio_processors.h>

#include <memory>

namespace stepista {

struct InstanceState final {
    juce::String id;          // 8 lowercase hex digits
    juce::String name;        // empty: the default name for the port ("Stepista 1", ...)
    int sync = 0;             // SyncMode
    std::unique_ptr<Clip> clip;  // nullptr: nothing to play

    static juce::String makeId();  // random, from the system's random source
    static bool isValidId(const juce::String& id);
};

void saveState(const InstanceState& state, juce::MemoryBlock& into);
// False (and `into` untouched) when the data is not a state this plugin wrote. Values out of range
// are dropped one by one: a bad clip is not restored, a bad id is replaced.
bool loadState(const void* data, int size, InstanceState& into);

}  // namespace stepista
