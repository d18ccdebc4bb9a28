#include "SoundingNotes.h"

#include <algorithm>

namespace stepista {

SoundingNotes::Entry* SoundingNotes::find(uint8_t channel, uint8_t pitch) {
    if (!busy_[std::size_t(key(channel, pitch))]) return nullptr;
    for (int i = 0; i < count_; ++i) {
        Entry& e = entries_[std::size_t(i)];
        if (e.channel == channel && e.pitch == pitch) return &e;
    }
    return nullptr;
}

int64_t SoundingNotes::offSampleOf(const Entry& entry, const TempoLine& line) {
    const int64_t end = std::min(line.sampleOf(entry.endTick, entry.tpq), entry.cutSample);
    return std::max(end, entry.onSample + 1);
}

void SoundingNotes::add(Entry entry, const TempoLine& line) {
    entry.offSample = offSampleOf(entry, line);
    // Latest first: insert after every entry that ends later or at the same sample.
    int at = count_;
    while (at > 0 && entries_[std::size_t(at - 1)].offSample < entry.offSample) --at;
    std::move_backward(entries_.begin() + at, entries_.begin() + count_,
                       entries_.begin() + count_ + 1);
    entries_[std::size_t(at)] = entry;
    ++count_;
    busy_[std::size_t(key(entry.channel, entry.pitch))] = true;
}

void SoundingNotes::remove(Entry* entry) {
    busy_[std::size_t(key(entry->channel, entry->pitch))] = false;
    std::move(entry + 1, entries_.data() + count_, entry);
    --count_;
}

const SoundingNotes::Entry* SoundingNotes::dueBy(int64_t sample) const {
    if (count_ == 0) return nullptr;
    const Entry& next = entries_[std::size_t(count_ - 1)];
    return next.offSample <= sample ? &next : nullptr;
}

void SoundingNotes::popDue() { remove(&entries_[std::size_t(count_ - 1)]); }

void SoundingNotes::retime(const TempoLine& line) {
    for (int i = 0; i < count_; ++i) entries_[std::size_t(i)].offSample = offSampleOf(entries_[std::size_t(i)], line);
    sortAll();
}

void SoundingNotes::cutAll(int64_t sample, const TempoLine& line) {
    for (int i = 0; i < count_; ++i) {
        Entry& e = entries_[std::size_t(i)];
        e.cutSample = std::min(e.cutSample, sample);
        e.offSample = offSampleOf(e, line);
    }
    sortAll();
}

void SoundingNotes::clear() {
    for (int i = 0; i < count_; ++i)
        busy_[std::size_t(key(entries_[std::size_t(i)].channel, entries_[std::size_t(i)].pitch))] = false;
    count_ = 0;
}

void SoundingNotes::sortAll() {
    // Insertion sort: the order barely changes (a tempo change keeps it; a cut makes ties), and
    // it neither allocates nor depends on the library's sort.
    for (int i = 1; i < count_; ++i) {
        const Entry e = entries_[std::size_t(i)];
        int j = i;
        while (j > 0 && entries_[std::size_t(j - 1)].offSample < e.offSample) {
            entries_[std::size_t(j)] = entries_[std::size_t(j - 1)];
            --j;
        }
        entries_[std::size_t(j)] = e;
    }
}

}  // namespace stepista
