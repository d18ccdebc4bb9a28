// The player's audio-thread side, part one: following the host's transport, taking changes at
// their boundaries, and cutting each block into the tick ranges it plays. Part two (the notes
// themselves) is PlayerNotes.cpp.
//
// Nothing here or there allocates, frees, locks or waits: clips arrive and leave through Handover.h,
// sounding notes live in a fixed table, and a block's notes are walked in place (NoteStream).
#include <algorithm>
#include <cassert>
#include <cmath>

#include "PlayerImpl.h"

namespace stepista {

namespace {

// A block that starts within this many samples of where the previous one ended continues it.
constexpr long double continuitySamples = 1.0L;
// Below this (in samples) the host's beat and the player's clock agree: float noise, not drift.
// Above it (and within continuity) the player re-anchors on the host's beat so drift never
// accumulates; the ticks already played stay played, so nothing doubles or goes missing.
constexpr long double driftSamples = 1.0e-3L;

bool usable(const Block& block) {
    return block.numSamples > 0 && std::isfinite(block.ppqStart) && std::isfinite(block.bpm) &&
           block.bpm > 0.0 && std::isfinite(block.sampleRate) && block.sampleRate > 0.0;
}

}  // namespace

// -- transport ----------------------------------------------------------------------------------

void Player::Impl::process(const Block& block, EventSink& out) {
    drainOverflow();
    if (block.numSamples <= 0) return;
    player.running_.store(block.playing && usable(block), std::memory_order_relaxed);
    if (!block.playing || !usable(block)) {
        whileStopped(block, out);
        return;
    }
    followTransport(block, out);
    play(block.numSamples, out);
    updateLoopPosition(block.ppqStart);
}

void Player::Impl::whileStopped(const Block& block, EventSink& out) {
    allNotesOff(0, out);  // sends something only once: the table is empty afterwards
    rolling = false;
    cursorValid = false;
    takeChange();
    if (held != nullptr) apply();  // nothing plays, so nothing to wait for
    if (std::isfinite(block.ppqStart)) updateLoopPosition(block.ppqStart);
}

void Player::Impl::followTransport(const Block& block, EventSink& out) {
    const TempoLine here{clock, block.ppqStart, block.bpm, block.sampleRate};
    if (rolling && block.sampleRate == line.sampleRate) {
        // Judged at the previous block's tempo, widened by how far a tempo ramp inside that
        // block (the host reports one tempo per block) could have moved the beat.
        const long double perSample = line.bpm / (60.0L * line.sampleRate);
        const long double ramp =
            lastNumSamples * std::fabs(block.bpm - line.bpm) / (60.0L * line.sampleRate);
        const long double expected = line.beatAt(static_cast<long double>(clock));
        const long double miss = std::fabs(block.ppqStart - expected);
        if (miss <= continuitySamples * perSample + ramp) {
            previousLine = line;
            if (block.bpm != line.bpm || miss > driftSamples * perSample) {
                line = here;
                sounding.retime(line);
            }
            return;
        }
    }
    // A jump (or the first block): end what sounds, and play from here, never from the middle of
    // a note that began before this point.
    allNotesOff(0, out);
    line = here;
    previousLine = here;
    rolling = true;
    cursorValid = false;
    heldPlaced = false;  // a waiting change finds its boundary from the new position
}

void Player::Impl::updateLoopPosition(double ppq) {
    const Clip* clip = currentClip();
    double position = 0.0;
    if (clip != nullptr && clip->tpq > 0 && clip->loopTicks > 0) {
        const double loopBeats = clip->loopBeats();
        position = std::fmod(ppq, loopBeats);
        if (position < 0.0) position += loopBeats;
    }
    player.loopPosition_.store(position, std::memory_order_relaxed);
}

// -- changes ------------------------------------------------------------------------------------

int Player::Impl::freeRetireSlots() const {
    return retired.freeSlots() + (overflowSlots - overflowCount);
}

void Player::Impl::drainOverflow() {
    int kept = 0;
    for (int i = 0; i < overflowCount; ++i)
        if (!retired.push(overflow[std::size_t(i)])) overflow[std::size_t(kept++)] = overflow[std::size_t(i)];
    overflowCount = kept;
}

void Player::Impl::retire(Submitted* done) {
    if (done == nullptr || retired.push(done)) return;
    // takeChange() reserved room before taking anything, so this always fits. (Were it ever
    // full, leaking one clip would still be better than freeing it on the audio thread.)
    assert(overflowCount < overflowSlots);
    if (overflowCount < overflowSlots) overflow[std::size_t(overflowCount++)] = done;
}

void Player::Impl::takeChange() {
    if (pending.load(std::memory_order_relaxed) == nullptr) return;
    // Room to hand back everything this change can displace: a change still waiting (superseded
    // now) and the clip playing (when this one applies). Without it the change stays pending:
    // the audio thread must neither free nor drop a clip.
    const int needed = (held != nullptr ? 1 : 0) + 1;
    if (freeRetireSlots() < needed) return;
    Submitted* next = pending.exchange(nullptr, std::memory_order_acquire);
    if (next == nullptr) return;
    retire(held);
    held = next;
    heldPlaced = false;
}

Boundary Player::Impl::place(const Change& change, int64_t blockStart) const {
    const Clip* old = currentClip();
    const Clip* next = change.clip.get();
    int32_t tpq = 0;
    int64_t stride = 0;
    if (change.rule == StartRule::NextQuantum) {
        tpq = next != nullptr ? next->tpq : (old != nullptr ? old->tpq : 0);
        if (validQuantum(change.quantumTicks, tpq)) stride = change.quantumTicks;
    } else if (change.rule == StartRule::LoopEnd && old != nullptr) {
        tpq = old->tpq;
        stride = old->loopTicks;
    }
    if (stride <= 0 || tpq <= 0) return Boundary{};
    // The first grid point not yet played: at the window start itself when one falls there.
    return Boundary{false, previousLine.firstTickFrom(blockStart, tpq, stride), tpq};
}

void Player::Impl::apply() {
    retire(current);
    current = held;
    held = nullptr;
    const Clip* clip = currentClip();
    player.playingSeq_.store(clip != nullptr ? clip->seq : 0, std::memory_order_relaxed);
    playingGeneration.store(current->generation, std::memory_order_release);
    player.changesApplied_.fetch_add(1, std::memory_order_relaxed);
}

// -- one block ----------------------------------------------------------------------------------

void Player::Impl::play(int numSamples, EventSink& out) {
    const int64_t blockStart = clock;
    const int64_t blockEnd = clock + numSamples;
    notesThisBlock = 0;
    takeChange();
    const Clip* clip = currentClip();
    if (clip != nullptr && !cursorValid) {
        cursor = previousLine.firstTickFrom(blockStart, clip->tpq, 1);
        cursorValid = true;
    }
    if (held != nullptr && !heldPlaced) {
        heldAt = place(held->change, blockStart);
        heldPlaced = true;
    }
    const bool due = held != nullptr &&
                     (heldAt.atOnce || line.sampleOf(heldAt.tick, heldAt.tpq) < blockEnd);
    if (due)
        playChange(blockStart, blockEnd, out);
    else
        playOn(blockStart, blockEnd, out);
    flushOffs(blockEnd - 1, blockStart, out);
    clock = blockEnd;
    lastNumSamples = numSamples;
}

void Player::Impl::playOn(int64_t blockStart, int64_t blockEnd, EventSink& out) {
    NoteStream stream(line);
    if (const Clip* clip = currentClip()) {
        // Ticks [cursor, end) are this block's: exactly those whose sample is before blockEnd.
        // Most blocks hold no tick at all: then the cursor is already the end.
        const int64_t end = line.sampleOf(cursor, clip->tpq) >= blockEnd
                                ? cursor
                                : line.firstTickFrom(blockEnd, clip->tpq, 1);
        stream.add(clip, cursor, end);
        cursor = std::max(cursor, end);
    }
    playStream(stream, blockStart, blockEnd, INT64_MAX, out);
}

// The block in which a held change takes over: the old clip's notes before the boundary, then
// the new clip's from it, all at their own samples.
//
// Notes already sounding keep their note-offs when a clip replaces another (a change does not
// cut notes, whatever the channels: each note-off goes to its own note's channel). A clear is
// the exception: musicians expect "stop" to stop, so everything sounding ends at the boundary,
// and an old note that would start at the boundary's very sample is not started at all.
void Player::Impl::playChange(int64_t blockStart, int64_t blockEnd, EventSink& out) {
    const Clip* old = currentClip();
    const Clip* next = held->change.clip.get();
    const Boundary at = heldAt;
    const int64_t boundarySample =
        at.atOnce ? blockStart : std::clamp(line.sampleOf(at.tick, at.tpq), blockStart, blockEnd - 1);

    NoteStream stream(line);
    if (old != nullptr && !at.atOnce)  // old notes strictly before the boundary's beat
        stream.add(old, cursor, mulDivCeil(at.tick, old->tpq, at.tpq));
    if (next != nullptr) {
        const int64_t from = at.atOnce ? previousLine.firstTickFrom(blockStart, next->tpq, 1)
                                       : mulDivCeil(at.tick, next->tpq, at.tpq);
        const int64_t end = line.firstTickFrom(blockEnd, next->tpq, 1);
        stream.add(next, from, end);
        cursor = std::max(from, end);
    }
    playStream(stream, blockStart, blockEnd, next != nullptr ? INT64_MAX : boundarySample, out);
    if (next == nullptr) sounding.cutAll(boundarySample, line);
    apply();
    cursorValid = next != nullptr;
}

}  // namespace stepista
