// The realtime player: a looped clip in exact ticks, played against a host playhead.
//
// No JUCE here, so the player is tested and benchmarked on its own (plugin/tests). The plugin
// (plugin/src) turns the host's playhead into a Block, calls process() from processBlock, and
// copies the events into its juce::MidiBuffer.
//
// Threads: submit() and collectGarbage() are called from one non-realtime thread (the plugin's
// message thread); snapshot() from any non-realtime thread; process() and allNotesOff() from the
// audio thread only. The handover is lock-free: submit() publishes a Change through an atomic
// pointer; process() takes it, keeps it until its boundary, then swaps the clip in; the clip it
// replaces goes back through a fixed ring to collectGarbage(), which frees it. process() never
// allocates, frees, locks or logs.
//
// Time (PROTOCOL.md "Time"): the loop is anchored at host beat 0; absolute tick T of a clip is
// host beat T / tpq, and a note at loop tick s sounds at every T = k * loopTicks + s. A note-on
// or note-off at beat b is played at sample
//     anchorSample + round((b - anchorBeat) * 60 * sampleRate / bpm)     (rounded half up)
// where the anchor is the sample and host beat at which the transport started, jumped or last
// changed tempo (from the start of a transport at beat 0: round(b * 60 * sampleRate / bpm)).
// The block that plays it is the one that contains that sample, so positions do not depend on
// the block size: this is the query window [ppqStart, ppqStart + numSamples * bpm /
// (60 * sampleRate)) shifted back by half a sample, the shift that makes round() never need
// clamping. Consecutive blocks chain exactly, in whole ticks: a note on a block boundary plays
// exactly once.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "Clip.h"

namespace stepista {

enum class StartRule : int { Now = 0, NextQuantum = 1, LoopEnd = 2 };

// A new clip (or nullptr: stop playing) and when it takes over.
//  Now:         at the start of the block that takes it.
//  NextQuantum: at the first multiple of quantumTicks (on the new clip's tpq; for a clear, the
//               old clip's) at or after the start of the block that takes it. A quantumTicks
//               outside 1 .. tpq*64 (see validQuantum) means Now.
//  LoopEnd:     at the first multiple of the old clip's loop length at or after that point; at
//               once when nothing plays.
// While the transport is stopped a change applies at once (nothing plays, so there is no
// boundary to wait for; the editor and saved state see the new clip at once).
struct Change final {
    std::unique_ptr<Clip> clip;
    StartRule rule = StartRule::NextQuantum;
    int32_t quantumTicks = 0;  // in the new clip's ticks (for a clear: the old clip's)
};

// What the host says about one audio block.
struct Block final {
    double ppqStart = 0.0;   // the host beat (quarter notes) at the block's first sample
    double bpm = 120.0;
    double sampleRate = 48000.0;
    int numSamples = 0;
    bool playing = false;
};

struct MidiEvent final {
    int sampleOffset = 0;  // 0 <= offset < numSamples of the block it was made in
    uint8_t status = 0;    // 0x90 | channel-1, 0x80 | channel-1
    uint8_t data1 = 0;
    uint8_t data2 = 0;
};

// Where process() writes; the plugin's adapter appends to a juce::MidiBuffer (preallocated).
// Within one call the events come in time order: offsets never decrease, and at one offset
// every note-off comes before any note-on.
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void add(const MidiEvent& event) = 0;
};

class Player final {
public:
    static constexpr int maxSounding = 512;  // notes that can sound at once
    static constexpr int retiredSlots = 64;
    // A block walks at most this many notes (more only in absurd clips: a loop a few samples
    // long); the rest are dropped and counted. This bounds the work of one process() call, and
    // with the note-offs its output to maxEventsPerBlock events: the size to preallocate the
    // MidiBuffer for.
    static constexpr int maxNoteOnsPerBlock = 4096;
    static constexpr int maxEventsPerBlock = maxSounding + 2 * maxNoteOnsPerBlock;

    Player();
    ~Player();
    Player(const Player&) = delete;
    Player& operator=(const Player&) = delete;

    // -- message thread ---------------------------------------------------------------------
    // Hands a change to the audio thread. A change still waiting to be taken is replaced (and
    // freed here). A change that was taken but is still waiting for its boundary is superseded
    // by the next one taken (the newest change always wins; the superseded clip never plays).
    // The clip is sorted here (Clip::sort). Returns false, and drops the change, when the clip
    // is not valid (validate()): the OSC side validates first, this is the last line of defence.
    bool submit(Change change);
    // Frees clips the audio thread has finished with. Call it often (a timer).
    void collectGarbage();
    // For the editor and state saving: the clip playing now (nullptr when none). It is the
    // message thread's own copy of what was submitted, so the audio thread never owns, shares
    // or frees it. Any non-realtime thread.
    std::shared_ptr<const Clip> snapshot() const;

    // -- audio thread -----------------------------------------------------------------------
    // Plays one block: changes that fall due, note-ons at their exact sample offsets, note-offs
    // (also those from earlier blocks), loop wraps. A jump of the playhead (host relocate, loop
    // region wrap, a sample rate change) or playing == false ends every sounding note at offset
    // 0 and starts again from the new position. A tempo change is not a jump: a block that starts
    // within a sample of where the previous one ended (judged at the previous tempo, widened by
    // what a tempo ramp inside the previous block could have moved) continues it.
    void process(const Block& block, EventSink& out);
    // Note-offs for everything sounding, at sampleOffset (bypass, release).
    void allNotesOff(int sampleOffset, EventSink& out);

    // -- any thread (atomics) ---------------------------------------------------------------
    uint32_t playingSeq() const { return playingSeq_.load(std::memory_order_relaxed); }
    double loopPosition() const { return loopPosition_.load(std::memory_order_relaxed); }  // beats
    bool transportRunning() const { return running_.load(std::memory_order_relaxed); }
    // Notes not played: the sounding table was full, or a block hit maxNoteOnsPerBlock.
    uint64_t droppedNoteOns() const { return droppedNoteOns_.load(std::memory_order_relaxed); }
    // Changes that took over (clips and clears), not counting superseded ones.
    uint64_t changesApplied() const { return changesApplied_.load(std::memory_order_relaxed); }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::atomic<uint32_t> playingSeq_{0};
    std::atomic<double> loopPosition_{0.0};
    std::atomic<bool> running_{false};
    std::atomic<uint64_t> droppedNoteOns_{0};
    std::atomic<uint64_t> changesApplied_{0};
};

}  // namespace stepista
