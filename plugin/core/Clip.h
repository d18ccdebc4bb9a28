// A looped clip in exact ticks, as the wire carries it (PROTOCOL.md, /stepista/clip).
//
// Clips are built, sorted and validated on the message thread; the audio thread only reads them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace stepista {

// The protocol's ranges, shared by validate() and the OSC side.
namespace limits {
constexpr int maxNotes = 2048;
constexpr int32_t maxTpq = 1048576;
constexpr int64_t maxLoopBeats = 1024;
constexpr int64_t maxQuantumBeats = 64;
}  // namespace limits

struct Note final {
    int32_t start = 0;     // ticks from the loop's start, 0 <= start < loopTicks
    int32_t duration = 1;  // ticks, 1 <= duration <= loopTicks (may run past the loop's end: wraps)
    uint8_t pitch = 60;    // 0-127
    uint8_t velocity = 100;  // 1-127
};

struct Clip final {
    uint32_t seq = 0;
    int channel = 1;          // 1-16
    int32_t tpq = 1;          // ticks per beat (quarter note)
    int32_t loopTicks = 4;    // the loop's length in ticks
    std::vector<Note> notes;  // sorted by start (Clip::sort), then pitch

    // Orders the notes as the player walks them: by start, then pitch (then duration and
    // velocity, so equal inputs always give the same order).
    void sort();
    double loopBeats() const { return double(loopTicks) / double(tpq); }
};

// True when the clip is within PROTOCOL.md's ranges; otherwise false, with what is wrong (and
// for a note, which one) in *why when why is not null. The order of the notes does not matter.
bool validate(const Clip& clip, std::string* why);

// True when quantumTicks is within the protocol's range for a clip with this tpq
// (1 .. tpq * 64). The player treats anything out of range as "at once" rather than failing.
bool validQuantum(int32_t quantumTicks, int32_t tpq);

}  // namespace stepista
