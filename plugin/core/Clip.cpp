#include "Clip.h"

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

namespace stepista {

void Clip::sort() {
    std::sort(notes.begin(), notes.end(), [](const Note& a, const Note& b) {
        return std::tie(a.start, a.pitch, a.duration, a.velocity) <
               std::tie(b.start, b.pitch, b.duration, b.velocity);
    });
}

namespace {

bool fail(std::string* why, std::string what) {
    if (why != nullptr) *why = std::move(what);
    return false;
}

std::string noteWhy(std::size_t index, const char* what) {
    return "note " + std::to_string(index) + ": " + what;
}

bool validateNote(const Note& note, std::size_t index, int32_t loopTicks, std::string* why) {
    if (note.start < 0 || note.start >= loopTicks)
        return fail(why, noteWhy(index, "start must be 0 <= start < loop_ticks"));
    if (note.duration < 1 || note.duration > loopTicks)
        return fail(why, noteWhy(index, "duration must be 1 <= duration <= loop_ticks"));
    if (note.pitch > 127) return fail(why, noteWhy(index, "pitch must be 0-127"));
    if (note.velocity < 1 || note.velocity > 127)
        return fail(why, noteWhy(index, "velocity must be 1-127"));
    return true;
}

}  // namespace

bool validate(const Clip& clip, std::string* why) {
    if (clip.channel < 1 || clip.channel > 16) return fail(why, "channel must be 1-16");
    if (clip.tpq < 1 || clip.tpq > limits::maxTpq) return fail(why, "tpq must be 1-1048576");
    // "<= 2^31-1" holds by type (and tpq*1024 <= 2^30 anyway); the product needs 64 bits.
    if (clip.loopTicks < 1 || int64_t(clip.loopTicks) > int64_t(clip.tpq) * limits::maxLoopBeats)
        return fail(why, "loop_ticks must be 1 .. tpq*1024");
    if (clip.notes.size() > std::size_t(limits::maxNotes)) return fail(why, "more than 2048 notes");
    for (std::size_t i = 0; i < clip.notes.size(); ++i)
        if (!validateNote(clip.notes[i], i, clip.loopTicks, why)) return false;
    return true;
}

bool validQuantum(int32_t quantumTicks, int32_t tpq) {
    return tpq >= 1 && quantumTicks >= 1 &&
           int64_t(quantumTicks) <= int64_t(tpq) * limits::maxQuantumBeats;
}

}  // namespace stepista
