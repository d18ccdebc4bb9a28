// The player's audio-thread side, part two: note-ons in time order, note-offs from the sounding
// table, one pitch cutting itself short. Part one (transport and changes) is PlayerAudio.cpp.
#include <algorithm>

#include "PlayerImpl.h"

namespace stepista {

namespace {

uint8_t channelOf(const Clip& clip) { return uint8_t(std::clamp(clip.channel, 1, 16) - 1); }

MidiEvent noteOn(uint8_t channel, uint8_t pitch, uint8_t velocity, int64_t offset) {
    return MidiEvent{int(offset), uint8_t(0x90 | channel), uint8_t(pitch & 127),
                     uint8_t(std::clamp<int>(velocity, 1, 127))};
}

MidiEvent noteOff(uint8_t channel, uint8_t pitch, int64_t offset) {
    return MidiEvent{int(offset), uint8_t(0x80 | channel), uint8_t(pitch & 127), 0};
}

}  // namespace

// Note-ons in time order. Notes that land on the same sample are one group: first every
// note-off due by then and the note-offs of sounding notes the group restarts, then the group's
// note-ons, so at one offset note-offs always come first. A block walks at most
// maxNoteOnsPerBlock notes, which bounds its work whatever the clip (a loop shorter than a
// sample repeats thousands of times per block); the rest are counted as dropped.
void Player::Impl::playStream(NoteStream& stream, int64_t blockStart, int64_t blockEnd,
                              int64_t stopAt, EventSink& out) {
    NoteStream::Item item;
    auto sampleOf = [&](const NoteStream::Item& i) {
        return std::clamp(i.sample, blockStart, blockEnd - 1);
    };
    while (stream.peek(item)) {
        const int64_t at = sampleOf(item);
        if (at >= stopAt) break;
        const int budget = Player::maxNoteOnsPerBlock - notesThisBlock;
        if (budget <= 0) {
            player.droppedNoteOns_.fetch_add(uint64_t(stream.countRemaining()),
                                             std::memory_order_relaxed);
            break;
        }
        flushOffs(at, blockStart, out);
        const NoteStream::Position group = stream.position();
        int size = 0;
        for (; size < budget && stream.peek(item) && sampleOf(item) == at; stream.next(), ++size)
            endSameKey(item, at, blockStart, out);
        stream.seek(group);
        for (int i = 0; i < size && stream.peek(item); stream.next(), ++i)
            startNote(item, at, blockStart, out);
        notesThisBlock += size;
    }
}

// Two notes of one pitch that overlap play as the first cut short by the second.
void Player::Impl::endSameKey(const NoteStream::Item& item, int64_t at, int64_t blockStart,
                              EventSink& out) {
    const uint8_t channel = channelOf(*item.clip);
    SoundingNotes::Entry* old = sounding.find(channel, item.note->pitch);
    if (old == nullptr || old->onSample >= at) return;  // a twin from this very sample: see startNote
    out.add(noteOff(channel, item.note->pitch, at - blockStart));
    sounding.remove(old);
}

void Player::Impl::startNote(const NoteStream::Item& item, int64_t at, int64_t blockStart,
                             EventSink& out) {
    SoundingNotes::Entry entry;
    entry.onSample = at;
    entry.endTick = item.tick + item.note->duration;
    entry.tpq = item.clip->tpq;
    entry.channel = channelOf(*item.clip);
    entry.pitch = uint8_t(item.note->pitch & 127);
    if (SoundingNotes::Entry* twin = sounding.find(entry.channel, entry.pitch)) {
        // The same key already started on this sample (a duplicate note, or two ticks closer than
        // a sample): one note, as long as the longer of the two.
        if (SoundingNotes::offSampleOf(entry, line) > twin->offSample) {
            sounding.remove(twin);
            sounding.add(entry, line);
        }
        return;
    }
    if (sounding.full()) {
        player.droppedNoteOns_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    out.add(noteOn(entry.channel, entry.pitch, item.note->velocity, at - blockStart));
    sounding.add(entry, line);
}

void Player::Impl::flushOffs(int64_t upTo, int64_t blockStart, EventSink& out) {
    while (const SoundingNotes::Entry* due = sounding.dueBy(upTo)) {
        // Before the block only after a re-anchor moved the beat by a fraction of a sample.
        out.add(noteOff(due->channel, due->pitch, std::max(due->offSample, blockStart) - blockStart));
        sounding.popDue();
    }
}

void Player::Impl::allNotesOff(int sampleOffset, EventSink& out) {
    for (int i = 0; i < sounding.size(); ++i)
        out.add(noteOff(sounding[i].channel, sounding[i].pitch, std::max(sampleOffset, 0)));
    sounding.clear();
}

}  // namespace stepista
