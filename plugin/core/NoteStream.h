// Walks the note-ons of a block in time order: a tick range of the clip playing, and at a change
// the old clip up to the boundary followed by the new clip from it. Loop repetitions are
// unrolled on the fly (absolute tick = k * loopTicks + start), so a note past the loop's end
// needs no special case.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "Clip.h"
#include "TempoLine.h"

namespace stepista {

class NoteStream final {
public:
    struct Item {
        const Clip* clip = nullptr;
        const Note* note = nullptr;
        int64_t tick = 0;    // absolute, on clip->tpq
        int64_t sample = 0;  // on the player's clock
    };
    struct Position {
        int segment = 0;
        int64_t loopStart = 0;  // absolute tick of the current loop repetition's start
        std::size_t index = 0;
    };

    explicit NoteStream(const TempoLine& line) : line_(line) {}

    // Adds the occurrences of clip's notes with absolute tick in [from, to); segments must be
    // added in time order.
    void add(const Clip* clip, int64_t from, int64_t to);

    bool peek(Item& item) const;  // false at the end
    void next();
    Position position() const { return at_; }
    void seek(Position position) {
        at_ = position;
        cached_ = false;
    }
    // How many notes are left from here (those a full block could not start).
    int64_t countRemaining() const;

private:
    struct Segment {
        const Clip* clip = nullptr;
        int64_t from = 0;
        int64_t to = 0;
    };
    void enterSegment(int segment);
    void settle();  // moves to the next real note, or past the last segment

    const TempoLine& line_;
    std::array<Segment, 2> segments_{};
    int count_ = 0;
    Position at_{};
    // peek() is asked about one note several times (grouping, then each pass over the group).
    mutable Item cache_{};
    mutable bool cached_ = false;
};

}  // namespace stepista
