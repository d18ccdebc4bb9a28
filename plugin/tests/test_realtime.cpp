// The audio thread's promise: process() and allNotesOff() never allocate or free, whatever
// happens (changes of every kind, clears, jumps, stop, a full table, a full retire ring, an
// absurd clip), and one call never sends more than Player::maxEventsPerBlock events.
//
// This executable replaces the global operator new and delete to count calls made while an
// audio-thread call is running.
#include <atomic>
#include <cstdlib>
#include <new>

#include "harness.h"

namespace {
std::atomic<bool> auditing{false};
std::atomic<long> allocations{0};
std::atomic<long> frees{0};
}  // namespace

void* operator new(std::size_t size) {
    if (auditing.load(std::memory_order_relaxed)) allocations.fetch_add(1);
    if (void* p = std::malloc(size != 0 ? size : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept {
    if (p != nullptr && auditing.load(std::memory_order_relaxed)) frees.fetch_add(1);
    std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }

using namespace harness;

namespace {

// Stands in for a preallocated juce::MidiBuffer.
class FixedSink final : public EventSink {
public:
    void add(const MidiEvent&) override { ++count; }
    int count = 0;
};

struct Bench {
    Player player;
    Host host{48000.0, 120.0};
    FixedSink sink;
    int worstBlock = 0;

    void blocks(int count, int size, bool playing = true) {
        for (int i = 0; i < count; ++i) {
            sink.count = 0;
            const Block block = host.next(size, playing);
            auditing.store(true);
            player.process(block, sink);
            auditing.store(false);
            worstBlock = std::max(worstBlock, sink.count);
        }
    }
};

Clip dense(int channel, uint32_t seq) {
    // 64 beats of sixteenths, 8 pitches each: 2048 notes, the protocol's maximum.
    std::vector<Note> notes;
    for (int step = 0; step < 256; ++step)
        for (int voice = 0; voice < 8; ++voice)
            notes.push_back(note(step, 1 + (step + voice) % 7, 36 + voice * 9 + step % 9));
    return makeClip(4, 256, notes, channel, seq);
}

}  // namespace

TEST(the_audio_thread_never_allocates_or_frees) {
    Bench b;
    b.player.submit(change(dense(1, 1)));
    b.blocks(3000, 64);
    b.player.submit(change(dense(2, 2), StartRule::NextQuantum, 16));
    b.blocks(2000, 64);
    b.player.submit(change(dense(3, 3), StartRule::LoopEnd));
    b.blocks(300, 512);
    b.host.setTempo(174.0);
    b.blocks(300, 441);
    b.host.locate(3.5);  // jump
    b.blocks(300, 64);
    b.blocks(10, 64, false);  // stop
    b.player.submit(change(dense(4, 4), StartRule::NextQuantum, 64));  // applies while stopped
    b.blocks(10, 64, false);
    b.host.locate(0.0);
    b.blocks(500, 256);
    b.player.submit(clearChange(StartRule::NextQuantum, 4));
    b.blocks(500, 256);
    CHECK_EQ(b.player.playingSeq(), uint32_t(0));
    b.player.collectGarbage();

    // A full sounding table: four clips holding 128 notes each, two beats apart, then a fifth.
    b.host.setTempo(120.0);
    b.host.locate(0.0);
    for (int channel = 5; channel <= 9; ++channel) {
        std::vector<Note> notes;
        for (int pitch = 0; pitch < 128; ++pitch) notes.push_back(note(2 * (channel - 5), 60, pitch));
        b.player.submit(change(makeClip(1, 64, notes, channel, uint32_t(channel)), StartRule::Now));
        b.blocks(750, 64);
    }
    CHECK(b.player.droppedNoteOns() > 0);
    FixedSink off;
    auditing.store(true);
    b.player.allNotesOff(0, off);
    auditing.store(false);
    CHECK(off.count > 0);

    // A full retire ring (no collectGarbage): changes are deferred, never freed here.
    for (uint32_t seq = 100; seq < 200; ++seq) {
        b.player.submit(change(makeClip(1, 4, {note(0, 1, 60)}, 1, seq)));
        b.blocks(2, 64);
    }
    CHECK(b.player.playingSeq() < 199);
    b.player.collectGarbage();
    b.blocks(2, 64);
    CHECK_EQ(b.player.playingSeq(), uint32_t(199));

    CHECK_EQ(allocations.load(), 0L);
    CHECK_EQ(frees.load(), 0L);
    CHECK(b.worstBlock <= Player::maxEventsPerBlock);
}

TEST(an_absurd_clip_is_bounded_per_block) {
    // A loop one tick long at 1,048,576 ticks per beat (0.02 samples) with 2048 notes: a block
    // of 4096 samples would hold hundreds of millions. It walks at most maxNoteOnsPerBlock.
    Bench b;
    std::vector<Note> notes;
    for (int i = 0; i < 2048; ++i) notes.push_back(note(0, 1, i % 128));
    b.player.submit(change(makeClip(1048576, 1, notes)));
    b.blocks(20, 4096);
    CHECK(b.player.droppedNoteOns() > 1000000);
    CHECK(b.worstBlock <= Player::maxEventsPerBlock);
    CHECK(b.worstBlock > 0);
    CHECK_EQ(allocations.load(), 0L);
    CHECK_EQ(frees.load(), 0L);
}

CHECK_MAIN()
