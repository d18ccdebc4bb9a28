// Changes: each start rule, a swap inside a block at the boundary's exact sample, a boundary on
// a block's first sample, changes replaced or superseded before they play, clears, a full
// retire ring, and snapshot().
#include "harness.h"

using namespace harness;

namespace {

constexpr int tpq = 48;  // one tick = 500 samples at 120 BPM, 48 kHz

// A note on every tick of a loop of `beats` beats, alternating two pitches so that each note's
// off meets the next note's on without one pitch overlapping itself.
Clip everyTick(int beats, int basePitch, int channel, uint32_t seq) {
    std::vector<Note> notes;
    for (int t = 0; t < beats * tpq; ++t) notes.push_back(note(t, 1, basePitch + t % 2));
    return makeClip(tpq, beats * tpq, notes, channel, seq);
}

// What must be heard: the old clip's notes before the boundary tick, the new one's from it.
std::vector<Played> swapAt(const Clip& old, const Clip& next, int64_t boundaryTick, int64_t samples) {
    std::vector<Played> want;
    auto add = [&](const Clip& clip, int64_t from, int64_t to) {
        for (int64_t loop = 0; exactSample(loop * clip.loopTicks, tpq, 48000, 120) < samples; ++loop) {
            for (const Note& n : clip.notes) {
                const int64_t tick = loop * clip.loopTicks + n.start;
                if (tick < from || tick >= to) continue;
                const int64_t on = exactSample(tick, tpq, 48000, 120);
                const int64_t off = exactSample(tick + n.duration, tpq, 48000, 120);
                if (on < samples) want.push_back(Played{on, true, clip.channel, n.pitch});
                if (on < samples && off < samples) want.push_back(Played{off, false, clip.channel, n.pitch});
            }
        }
    };
    add(old, 0, boundaryTick);
    add(next, boundaryTick, INT64_MAX);
    return want;
}

struct SwapRun {
    Recorder recorder;
    int64_t boundaryBlock = -1;
};

// Plays `old` for `before` blocks, submits `next` with the rule, plays on to `samples`.
void swapRun(SwapRun& r, const Clip& old, const Clip& next, StartRule rule, int32_t quantum,
             int blockSize, int64_t before, int64_t samples) {
    Player player;
    player.submit(change(old));
    Host host(48000.0, 120.0);
    run(player, host, r.recorder, blockSize, before * blockSize);
    player.submit(change(next, rule, quantum));
    CHECK_EQ(player.playingSeq(), old.seq);
    run(player, host, r.recorder, blockSize, samples - before * blockSize);
    CHECK_EQ(player.playingSeq(), next.seq);
    CHECK_EQ(player.changesApplied(), uint64_t(2));
}

}  // namespace

TEST(next_quantum_swaps_inside_a_block_at_the_exact_sample) {
    // Quantum 2 beats; submitted at beat 0.43 (block 20 of 1024). Beat 2 = sample 48000 is in
    // block 46 = [47104, 48128): the old tick 95 at 47500 and the new tick 96 at 48000 both
    // play in it, at offsets 396 and 896.
    const Clip a = everyTick(4, 60, 1, 1);
    const Clip b = everyTick(4, 80, 1, 2);
    SwapRun r;
    swapRun(r, a, b, StartRule::NextQuantum, 2 * tpq, 1024, 20, 4 * 24000);
    CHECK(sameEvents(r.recorder.events, swapAt(a, b, 96, 4 * 24000), "next quantum"));
    bool oldInBlock = false, newInBlock = false;
    for (const Played& e : r.recorder.events) {
        if (e.block != 46 || !e.on) continue;
        if (e.pitch == 61 && e.offset == 396) oldInBlock = true;
        if (e.pitch == 80 && e.offset == 896) newInBlock = true;
    }
    CHECK(oldInBlock && newInBlock);
}

TEST(loop_end_swaps_at_the_end_of_the_old_loop) {
    // The old loop is 3 beats: submitted at beat 0.4, the swap is at beat 3 = sample 72000,
    // inside block 46 of 1536 = [70656, 72192), after the old tick 143 at 71500.
    const Clip a = everyTick(3, 60, 1, 1);
    const Clip b = everyTick(4, 80, 1, 2);
    SwapRun r;
    swapRun(r, a, b, StartRule::LoopEnd, 0, 1536, 12, 6 * 24000);
    CHECK(sameEvents(r.recorder.events, swapAt(a, b, 3 * tpq, 6 * 24000), "loop end"));
    bool oldInBlock = false, newInBlock = false;
    for (const Played& e : r.recorder.events) {
        if (e.block != 46 || !e.on) continue;
        if (e.pitch == 61 && e.sample == 71500) oldInBlock = true;
        if (e.pitch == 80 && e.sample == 72000) newInBlock = true;
    }
    CHECK(oldInBlock && newInBlock);
}

TEST(now_swaps_at_the_start_of_the_next_block) {
    // Submitted after block 20 of 1000 (sample 20000, between ticks 39 and 40): the new clip
    // plays from tick 40, the first not yet played.
    const Clip a = everyTick(4, 60, 1, 1);
    const Clip b = everyTick(4, 80, 1, 2);
    SwapRun r;
    swapRun(r, a, b, StartRule::Now, 0, 1000, 20, 4 * 24000);
    CHECK(sameEvents(r.recorder.events, swapAt(a, b, 40, 4 * 24000), "now"));
}

TEST(a_boundary_on_the_first_sample_of_a_block_applies_there) {
    // Quantum 4 beats, submitted just before the block that starts at beat 4 exactly
    // (block 1500 of 64): the swap is at its offset 0, not 4 beats later.
    const Clip a = everyTick(4, 60, 1, 1);
    const Clip b = everyTick(4, 80, 1, 2);
    SwapRun r;
    swapRun(r, a, b, StartRule::NextQuantum, 4 * tpq, 64, 1500, 5 * 24000);
    CHECK(sameEvents(r.recorder.events, swapAt(a, b, 4 * tpq, 5 * 24000), "on the boundary"));
    bool newAtZero = false;
    for (const Played& e : r.recorder.events)
        if (e.block == 1500 && e.on && e.pitch == 80 && e.offset == 0) newAtZero = true;
    CHECK(newAtZero);
}

TEST(every_rule_swaps_at_the_same_samples_whatever_the_block_size) {
    const Clip a = everyTick(3, 60, 1, 1);
    const Clip b = everyTick(2, 80, 1, 2);
    // Submitted after 12288 samples (beat 0.512): Now at tick 25 (the first not yet played),
    // NextQuantum (1 beat) at tick 48, LoopEnd (3 beats) at tick 144.
    const struct {
        StartRule rule;
        int32_t quantum;
        int64_t boundaryTick;
    } cases[] = {{StartRule::Now, 0, 25}, {StartRule::NextQuantum, tpq, tpq}, {StartRule::LoopEnd, 0, 3 * tpq}};
    for (const auto& c : cases) {
        for (const int blockSize : {1, 64, 512, 4096}) {
            SwapRun r;
            swapRun(r, a, b, c.rule, c.quantum, blockSize, 12288 / blockSize, 5 * 24000);
            CHECK(sameEvents(r.recorder.events, swapAt(a, b, c.boundaryTick, 5 * 24000), "rule sweep"));
        }
    }
}

TEST(a_change_replaced_before_it_is_taken_never_plays) {
    Player player;
    player.submit(change(makeClip(1, 4, {note(0, 1, 60)}, 1, 1)));
    player.submit(change(makeClip(1, 4, {note(0, 1, 72)}, 1, 2)));  // frees the first
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 48000);
    CHECK_EQ(recorder.ons().size(), size_t(1));
    CHECK_EQ(recorder.ons()[0].pitch, 72);
    CHECK_EQ(player.playingSeq(), uint32_t(2));
    CHECK_EQ(player.changesApplied(), uint64_t(1));
}

TEST(a_newer_change_supersedes_one_waiting_for_its_boundary) {
    Player player;
    Host host(48000.0, 120.0);
    Recorder recorder;
    player.submit(change(makeClip(1, 4, {note(0, 4, 60)}, 1, 1)));
    run(player, host, recorder, 64, 640);
    player.submit(change(makeClip(1, 4, {note(0, 1, 62)}, 1, 2), StartRule::NextQuantum, 4));
    run(player, host, recorder, 64, 640);  // taken: waits for beat 4
    player.submit(change(makeClip(1, 4, {note(1, 1, 64)}, 1, 3), StartRule::Now));
    run(player, host, recorder, 64, 5 * 24000);
    CHECK(withPitch(recorder.ons(), 62).empty());
    CHECK_EQ(withPitch(recorder.ons(), 64).size(), size_t(2));  // beats 1 and 5
    CHECK_EQ(player.playingSeq(), uint32_t(3));
    CHECK_EQ(player.changesApplied(), uint64_t(2));
    player.collectGarbage();
}

TEST(a_clear_at_the_quantum_ends_everything_at_its_exact_sample) {
    // Notes held across the boundary (beat 2 = sample 48000, inside block 46 of 1024) end there
    // at offset 896; nothing plays afterwards.
    Player player;
    Host host(48000.0, 120.0);
    Recorder recorder;
    player.submit(change(makeClip(4, 16, {note(0, 16, 60), note(6, 4, 64), note(7, 2, 67)})));
    run(player, host, recorder, 1024, 20 * 1024);
    player.submit(clearChange(StartRule::NextQuantum, 8));  // on the old clip's tpq: 2 beats
    run(player, host, recorder, 1024, 8 * 24000);
    const auto offs = recorder.offs();
    CHECK_EQ(recorder.ons().size(), size_t(3));
    CHECK_EQ(offs.size(), size_t(3));
    for (const Played& off : offs) {
        CHECK_EQ(off.sample, int64_t(48000));
        CHECK_EQ(off.block, int64_t(46));
    }
    CHECK_EQ(recorder.keysDown(), 0);
    CHECK_EQ(player.playingSeq(), uint32_t(0));
    CHECK(player.snapshot() == nullptr);
}

TEST(a_clear_now_ends_everything_at_offset_zero) {
    Player player;
    Host host(48000.0, 120.0);
    Recorder recorder;
    player.submit(change(makeClip(1, 4, {note(0, 4, 60), note(0, 2, 64)})));
    run(player, host, recorder, 64, 6400);
    player.submit(clearChange());
    const size_t before = recorder.events.size();
    run(player, host, recorder, 64, 10 * 24000);
    const auto after = recorder.since(before);
    CHECK_EQ(after.size(), size_t(2));
    for (const Played& e : after) CHECK(!e.on && e.offset == 0 && e.block == 100);
}

TEST(a_new_clip_on_another_channel_lets_the_old_notes_end_on_their_own) {
    Player player;
    Host host(48000.0, 120.0);
    Recorder recorder;
    player.submit(change(makeClip(1, 4, {note(0, 3, 60)}, 1, 1)));
    run(player, host, recorder, 64, 6400);
    player.submit(change(makeClip(1, 4, {note(1, 1, 60)}, 2, 2), StartRule::Now));
    run(player, host, recorder, 64, 4 * 24000);
    // Channel 2's note-on at beat 1; channel 1's note-off at beat 3, where it was due.
    const auto events = recorder.events;
    CHECK_EQ(events.size(), size_t(4));  // on ch1, on ch2 @1, off ch2 @2, off ch1 @3
    for (const Played& e : events) {
        if (e.channel == 1 && !e.on) CHECK_EQ(e.sample, int64_t(72000));
        if (e.channel == 2 && e.on) CHECK_EQ(e.sample, int64_t(24000));
    }
}

TEST(with_nothing_playing_loop_end_is_at_once_and_next_quantum_waits) {
    {
        Player player;
        Host host(48000.0, 120.0);
        Recorder recorder;
        run(player, host, recorder, 64, 640);  // beat 0.0267, nothing playing
        player.submit(change(makeClip(4, 4, {note(1, 1, 60)}), StartRule::LoopEnd));
        run(player, host, recorder, 64, 24000);
        CHECK_EQ(recorder.ons().size(), size_t(1));  // tick 1 = beat 0.25
        if (!recorder.ons().empty()) CHECK_EQ(recorder.ons()[0].sample, int64_t(6000));
    }
    {
        Player player;
        Host host(48000.0, 120.0);
        Recorder recorder;
        run(player, host, recorder, 64, 640);
        player.submit(change(makeClip(4, 4, {note(1, 1, 60)}), StartRule::NextQuantum, 8));
        run(player, host, recorder, 64, 2 * 24000 + 12000);  // to beat 2.53
        CHECK_EQ(recorder.ons().size(), size_t(1));  // from beat 2: beat 2.25
        if (!recorder.ons().empty()) CHECK_EQ(recorder.ons()[0].sample, int64_t(54000));
    }
}

TEST(while_stopped_a_change_applies_at_once) {
    Player player;
    Host host(48000.0, 120.0);
    Recorder recorder;
    player.submit(change(makeClip(1, 4, {note(0, 1, 60)}, 1, 7), StartRule::LoopEnd));
    run(player, host, recorder, 64, 640, false);
    CHECK_EQ(player.playingSeq(), uint32_t(7));
    player.submit(change(makeClip(1, 4, {note(0, 1, 62)}, 1, 8), StartRule::NextQuantum, 4));
    run(player, host, recorder, 64, 640, false);
    CHECK_EQ(player.playingSeq(), uint32_t(8));
    CHECK(recorder.events.empty());
    host.locate(0.0);
    run(player, host, recorder, 64, 640);
    CHECK_EQ(recorder.ons().size(), size_t(1));
    if (!recorder.ons().empty()) CHECK_EQ(recorder.ons()[0].pitch, 62);
}

TEST(snapshot_is_the_clip_playing_now) {
    Player player;
    Host host(48000.0, 120.0);
    Recorder recorder;
    CHECK(player.snapshot() == nullptr);
    const Clip a = makeClip(4, 16, {note(0, 1, 60), note(5, 2, 61)}, 3, 11);
    player.submit(change(a));
    CHECK(player.snapshot() == nullptr);  // not taken yet
    run(player, host, recorder, 64, 64);
    auto shot = player.snapshot();
    CHECK(shot != nullptr);
    if (shot) {
        CHECK_EQ(shot->seq, uint32_t(11));
        CHECK_EQ(shot->channel, 3);
        CHECK_EQ(shot->notes.size(), size_t(2));
    }
    player.submit(change(makeClip(4, 16, {note(0, 1, 70)}, 1, 12), StartRule::NextQuantum, 16));
    run(player, host, recorder, 64, 640);  // taken, waiting for beat 4
    CHECK(player.snapshot() != nullptr && player.snapshot()->seq == 11);
    run(player, host, recorder, 64, 4 * 24000);
    CHECK(player.snapshot() != nullptr && player.snapshot()->seq == 12);
    player.collectGarbage();
    CHECK(player.snapshot() != nullptr && player.snapshot()->seq == 12);
    CHECK(shot != nullptr && shot->seq == 11);  // an old snapshot stays valid
}

TEST(a_full_retire_ring_defers_changes_until_garbage_is_collected) {
    // Without collectGarbage(), 64 ring slots + 8 overflow slots hold 72 replaced clips: 73
    // changes apply, then the next waits (pending, replaced by newer submits) until collected.
    Player player;
    Host host(48000.0, 120.0);
    Recorder recorder;
    for (uint32_t seq = 1; seq <= 80; ++seq) {
        player.submit(change(makeClip(1, 4, {note(0, 1, 60)}, 1, seq)));
        run(player, host, recorder, 64, 64);
    }
    CHECK_EQ(player.changesApplied(), uint64_t(73));
    CHECK_EQ(player.playingSeq(), uint32_t(73));
    CHECK(player.snapshot() != nullptr && player.snapshot()->seq == 73);
    player.collectGarbage();
    run(player, host, recorder, 64, 64);
    CHECK_EQ(player.changesApplied(), uint64_t(74));
    CHECK_EQ(player.playingSeq(), uint32_t(80));  // the newest; 74-79 were replaced unplayed
    // The overflow drains into the ring, so changes keep flowing with regular collection.
    for (uint32_t seq = 81; seq <= 300; ++seq) {
        player.submit(change(makeClip(1, 4, {note(0, 1, 60)}, 1, seq)));
        run(player, host, recorder, 64, 64);
        player.collectGarbage();
    }
    CHECK_EQ(player.playingSeq(), uint32_t(300));
    CHECK_EQ(player.changesApplied(), uint64_t(74 + 220));
}

TEST(submit_refuses_an_invalid_clip_and_sorts_a_valid_one) {
    Player player;
    Host host(48000.0, 120.0);
    Recorder recorder;
    Clip bad = makeClip(4, 16, {note(0, 1, 60)}, 1, 5);
    bad.tpq = 0;
    CHECK(!player.submit(change(bad)));
    // Out of order on purpose (makeClip sorts, so build the change by hand).
    Change unsorted;
    unsorted.clip = std::make_unique<Clip>(makeClip(4, 16, {}, 1, 6));
    unsorted.clip->notes = {note(8, 1, 64), note(0, 1, 60), note(4, 1, 62)};
    unsorted.rule = StartRule::Now;
    CHECK(player.submit(std::move(unsorted)));
    run(player, host, recorder, 64, 48000 + 64);
    const auto ons = recorder.ons();
    CHECK_EQ(ons.size(), size_t(3));
    for (size_t i = 0; i < ons.size(); ++i) {
        CHECK_EQ(ons[i].pitch, 60 + 2 * int(i));
        CHECK_EQ(ons[i].sample, int64_t(i) * 24000);
    }
    CHECK_EQ(player.playingSeq(), uint32_t(6));
}

CHECK_MAIN()
