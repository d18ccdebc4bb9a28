// Player's insides, shared by Player.cpp (the message thread's side), PlayerAudio.cpp and
// PlayerNotes.cpp (the audio thread's). Not part of the public API.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "Handover.h"
#include "NoteStream.h"
#include "Player.h"
#include "SoundingNotes.h"
#include "TempoLine.h"

namespace stepista {

// Where a taken change takes over: at the start of the block, or at a grid tick.
struct Boundary final {
    bool atOnce = true;
    int64_t tick = 0;  // absolute, on a grid of...
    int32_t tpq = 1;   // ...this many ticks per beat
};

struct Player::Impl final {
    explicit Impl(Player& owner) : player(owner) {}
    ~Impl();

    Player& player;  // for the public atomics

    // -- message thread (and snapshot()) --------------------------------------------------------
    // The message thread's own copies of the clips it submitted, by generation, so snapshot()
    // never touches a clip the audio thread owns. Trimmed as clips come back through the ring.
    mutable std::mutex copiesMutex;
    std::vector<std::pair<uint64_t, std::shared_ptr<const Clip>>> copies;
    uint64_t nextGeneration = 1;
    void forgetCopy(uint64_t generation);

    // -- the handover ---------------------------------------------------------------------------
    std::atomic<Submitted*> pending{nullptr};
    RetireRing<Player::retiredSlots> retired;
    std::atomic<uint64_t> playingGeneration{0};  // 0: nothing submitted has played yet

    // -- audio thread ---------------------------------------------------------------------------
    // Clips the ring had no room for; moved into it at the start of the next blocks.
    static constexpr int overflowSlots = 8;
    std::array<Submitted*, overflowSlots> overflow{};
    int overflowCount = 0;

    Submitted* current = nullptr;  // what plays (its clip is null after a clear)
    Submitted* held = nullptr;     // taken, waiting for its boundary
    bool heldPlaced = false;       // false: its boundary is found at the next block's start
    Boundary heldAt;

    bool rolling = false;     // the previous block played
    TempoLine line;           // this block's ticks -> clock samples
    TempoLine previousLine;   // the previous block's: says which ticks it already played
    int64_t clock = 0;        // clock sample at the start of the next block
    int lastNumSamples = 0;

    int64_t cursor = 0;        // the first tick of the current clip not yet played
    bool cursorValid = false;  // false: found from the window start at the next block

    SoundingNotes sounding;
    int notesThisBlock = 0;  // walked in this block (played, merged or dropped)

    // PlayerAudio.cpp, PlayerNotes.cpp
    void process(const Block& block, EventSink& out);
    void allNotesOff(int sampleOffset, EventSink& out);

private:
    const Clip* currentClip() const { return current != nullptr ? current->change.clip.get() : nullptr; }
    void followTransport(const Block& block, EventSink& out);
    void whileStopped(const Block& block, EventSink& out);
    void play(int numSamples, EventSink& out);
    void playOn(int64_t blockStart, int64_t blockEnd, EventSink& out);
    void playChange(int64_t blockStart, int64_t blockEnd, EventSink& out);

    int freeRetireSlots() const;
    void drainOverflow();
    void retire(Submitted* done);
    void takeChange();
    Boundary place(const Change& change, int64_t blockStart) const;
    void apply();

    void playStream(NoteStream& stream, int64_t blockStart, int64_t blockEnd, int64_t stopAt,
                    EventSink& out);
    void endSameKey(const NoteStream::Item& item, int64_t at, int64_t blockStart, EventSink& out);
    void startNote(const NoteStream::Item& item, int64_t at, int64_t blockStart, EventSink& out);
    void flushOffs(int64_t upTo, int64_t blockStart, EventSink& out);
    void updateLoopPosition(double ppq);
};

}  // namespace stepista
