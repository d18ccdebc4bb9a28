// The notes sounding now and when each one ends: a fixed table, so the audio thread never
// allocates however many notes a clip starts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "TempoLine.h"

namespace stepista {

class SoundingNotes final {
public:
    static constexpr int capacity = 512;

    struct Entry {
        int64_t offSample = 0;  // clock sample of the note-off, from the fields below
        int64_t onSample = 0;   // clock sample of the note-on
        int64_t cutSample = INT64_MAX;  // a clear ends the note here if that is sooner
        int64_t endTick = 0;    // the note's end, absolute ticks of its clip's grid...
        int32_t tpq = 1;        // ...with this many ticks per beat
        uint8_t channel = 0;    // 0-15
        uint8_t pitch = 0;
    };

    int size() const { return count_; }
    bool full() const { return count_ == capacity; }
    bool empty() const { return count_ == 0; }

    // The entry sounding on this channel and pitch, or null. There is at most one: a note that
    // starts on a sounding key ends the old one first.
    Entry* find(uint8_t channel, uint8_t pitch);
    // Adds a note (table not full); its offSample is computed on the tempo line.
    void add(Entry entry, const TempoLine& line);
    void remove(Entry* entry);
    // Ends a note one sample after its start at the earliest, so a very short note never has
    // its off before (or with) its on.
    static int64_t offSampleOf(const Entry& entry, const TempoLine& line);

    // The earliest note-off, if it is at or before `sample`.
    const Entry* dueBy(int64_t sample) const;
    void popDue();

    // After a tempo change: note-offs move to where their beats now fall.
    void retime(const TempoLine& line);
    // A clear: everything sounding ends at `sample` (or one sample after its start).
    void cutAll(int64_t sample, const TempoLine& line);
    // Forgets everything (the caller sent the note-offs).
    void clear();

    const Entry& operator[](int i) const { return entries_[std::size_t(i)]; }

private:
    void sortAll();
    static int key(uint8_t channel, uint8_t pitch) { return (channel & 15) * 128 + (pitch & 127); }

    // Sorted by offSample, latest first, so the next note-off is the last entry.
    std::array<Entry, capacity> entries_{};
    std::array<bool, 16 * 128> busy_{};
    int count_ = 0;
};

}  // namespace stepista
