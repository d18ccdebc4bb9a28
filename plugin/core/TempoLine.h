// Where ticks land in samples while one tempo holds.
//
// The player counts every sample it plays on its own clock. A TempoLine maps beats to that clock
// from an anchor (the clock sample and host beat where the tempo was last set), so a note's
// sample is computed from the anchor, never accumulated block by block: where a note lands does
// not depend on how the host cuts the audio into blocks.
#pragma once

#include <cstdint>

namespace stepista {

struct TempoLine final {
    int64_t anchorSample = 0;  // on the player's clock
    double anchorBeat = 0.0;   // the host beat at anchorSample
    double bpm = 120.0;
    double sampleRate = 48000.0;

    // The clock sample where absolute tick `tick` of a grid with `tpq` ticks per beat falls,
    // rounded half up. Monotone in tick, and the same inputs always give the same sample.
    int64_t sampleOf(int64_t tick, int32_t tpq) const;
    // The host beat at a (fractional) clock sample.
    long double beatAt(long double sample) const;
    // The smallest multiple of `stride` ticks (tpq grid) whose sampleOf() is >= sample.
    int64_t firstTickFrom(int64_t sample, int32_t tpq, int64_t stride) const;
};

// ceil(a * b / c) for c > 0 without overflowing (moves a tick from one tpq grid to another).
int64_t mulDivCeil(int64_t a, int64_t b, int64_t c);

}  // namespace stepista
