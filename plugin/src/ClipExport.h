// The clip as a Standard MIDI File, for dragging into the DAW.
#pragma once

#include "Player.h"

#include <juce_core/juce_core.h>

namespace stepista {

constexpr int midiFileTicksPerQuarter = 960;

// Writes one loop of `clip` (its channel, 960 ticks per quarter note) to a .mid named after the
// instance in the temporary folder; returns the file, or a non-existent File when writing failed.
juce::File writeClipMidiFile(const Clip& clip, const juce::String& instanceName);

}  // namespace stepista
