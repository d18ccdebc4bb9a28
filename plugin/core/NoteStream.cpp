#include "NoteStream.h"

#include <algorithm>

namespace stepista {

namespace {

int64_t floorDiv(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::size_t firstNoteFrom(const Clip& clip, int64_t tickInLoop) {
    const auto it = std::lower_bound(
        clip.notes.begin(), clip.notes.end(), tickInLoop,
        [](const Note& note, int64_t tick) { return int64_t(note.start) < tick; });
    return std::size_t(it - clip.notes.begin());
}

// Occurrences of the clip's notes at absolute ticks below `tick`, counted from tick 0.
int64_t occurrencesBefore(const Clip& clip, int64_t tick) {
    const int64_t loop = floorDiv(tick, clip.loopTicks);
    return loop * int64_t(clip.notes.size()) +
           int64_t(firstNoteFrom(clip, tick - loop * clip.loopTicks));
}

}  // namespace

void NoteStream::add(const Clip* clip, int64_t from, int64_t to) {
    if (clip == nullptr || clip->notes.empty() || clip->loopTicks < 1 || from >= to) return;
    if (count_ == int(segments_.size())) return;  // two are all a block needs (old, new)
    segments_[std::size_t(count_)] = Segment{clip, from, to};
    const bool atEnd = at_.segment == count_;  // nothing left before this segment
    ++count_;
    if (atEnd) {
        cached_ = false;
        enterSegment(count_ - 1);
        settle();
    }
}

void NoteStream::enterSegment(int segment) {
    at_.segment = segment;
    if (segment >= count_) return;
    const Segment& s = segments_[std::size_t(segment)];
    at_.loopStart = floorDiv(s.from, s.clip->loopTicks) * s.clip->loopTicks;
    at_.index = firstNoteFrom(*s.clip, s.from - at_.loopStart);
}

void NoteStream::settle() {
    while (at_.segment < count_) {
        const Segment& s = segments_[std::size_t(at_.segment)];
        if (at_.index == s.clip->notes.size()) {  // on into the next repetition of the loop
            at_.loopStart += s.clip->loopTicks;
            at_.index = 0;
        }
        if (at_.loopStart + s.clip->notes[at_.index].start < s.to) return;
        enterSegment(at_.segment + 1);
    }
}

bool NoteStream::peek(Item& item) const {
    if (at_.segment >= count_) return false;
    if (!cached_) {
        const Segment& s = segments_[std::size_t(at_.segment)];
        cache_.clip = s.clip;
        cache_.note = &s.clip->notes[at_.index];
        cache_.tick = at_.loopStart + cache_.note->start;
        cache_.sample = line_.sampleOf(cache_.tick, s.clip->tpq);
        cached_ = true;
    }
    item = cache_;
    return true;
}

void NoteStream::next() {
    if (at_.segment >= count_) return;
    ++at_.index;
    cached_ = false;
    settle();
}

int64_t NoteStream::countRemaining() const {
    if (at_.segment >= count_) return 0;
    const Segment& now = segments_[std::size_t(at_.segment)];
    const int64_t done = floorDiv(at_.loopStart, now.clip->loopTicks) * int64_t(now.clip->notes.size()) +
                         int64_t(at_.index);
    int64_t left = occurrencesBefore(*now.clip, now.to) - done;
    for (int i = at_.segment + 1; i < count_; ++i) {
        const Segment& s = segments_[std::size_t(i)];
        left += occurrencesBefore(*s.clip, s.to) - occurrencesBefore(*s.clip, s.from);
    }
    return left;
}

}  // namespace stepista
