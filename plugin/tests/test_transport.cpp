// Following the host: tempo changes, relocations both ways, stop and start, and the small
// irregularities of real hosts (a beat off by a fraction of a sample, tempo ramps) that must
// not count as jumps.
#include <cmath>

#include "harness.h"

using namespace harness;

namespace {

// Quarter notes on 4 pitches over a 4-beat loop, at 4 ticks per beat (one per sixteenth).
Clip sixteenths() {
    std::vector<Note> notes;
    for (int step = 0; step < 16; ++step) notes.push_back(note(step, 1, 60 + step % 4));
    return makeClip(4, 16, notes);
}

}  // namespace

TEST(a_tempo_change_between_blocks_is_not_a_jump_and_retimes_what_follows) {
    // 120 BPM for 49152 samples (96 blocks of 512: host beat 2.048), then 174 BPM. A long note
    // sounding across the change has its note-off where its beat falls at the new tempo.
    const Clip clip = makeClip(12, 48, {note(0, 3, 60), note(3, 3, 61), note(18, 18, 62),
                                        note(25, 1, 63), note(36, 12, 64), note(44, 8, 65)});
    for (const int blockSize : {512, 64, 1}) {
        Player player;
        player.submit(change(clip));
        Host host(48000.0, 120.0);
        Recorder recorder;
        const int64_t change = 49152;
        run(player, host, recorder, blockSize, change);
        host.setTempo(174.0);
        run(player, host, recorder, blockSize, 4 * 48000);
        // Before the change: beat * 24000. After it: 49152 + (beat - 2.048) * 48000 * 60 / 174,
        // in integers: (tick * 2880000 - 49152 * 120 * 12) / (12 * 174), rounded half up.
        auto expected = [&](int64_t tick) {
            const int64_t early = exactSample(tick, 12, 48000, 120);
            if (early < change) return early;
            const int64_t num = tick * 60 * 48000 - change * 120 * 12;
            const int64_t den = 12 * 174;
            return change + int64_t((2 * num + den) / (2 * den));
        };
        std::vector<Played> want;
        for (int64_t loop = 0; expected(loop) < host.position(); loop += 48) {
            for (const Note& n : clip.notes) {
                const int64_t on = expected(loop + n.start);
                const int64_t off = expected(loop + n.start + n.duration);
                if (on < host.position()) want.push_back(Played{on, true, 1, n.pitch});
                if (on < host.position() && off < host.position())
                    want.push_back(Played{off, false, 1, n.pitch});
            }
        }
        CHECK(sameEvents(recorder.events, want, "tempo change"));
        // Nothing was cut at the change (a jump would end note 62 at sample 49152).
        for (const Played& e : recorder.events) CHECK(e.on || e.sample != change);
    }
}

TEST(a_jump_backwards_ends_notes_at_zero_and_plays_from_the_new_beat) {
    // Play beats 0 to 3.5, then the host wraps its loop region back to beat 1.
    const Clip clip = makeClip(4, 16, {note(0, 8, 60), note(4, 1, 62), note(6, 4, 64),
                                       note(12, 4, 65), note(15, 1, 67)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 84000);  // 3.5 beats: notes 60 (0-2) done, 65 sounding
    CHECK_EQ(recorder.keysDown(), 1);
    const size_t before = recorder.events.size();
    host.locate(1.0);
    run(player, host, recorder, 64, 24000 * 2);  // beats 1 to 3
    const std::vector<Played> after = recorder.since(before);
    // First the note-off of 65 at offset 0, then beat 1's note-on (62) in the same block.
    CHECK(after.size() >= 2);
    if (after.size() >= 2) {
        CHECK(!after[0].on && after[0].pitch == 65 && after[0].offset == 0);
        CHECK(after[1].on && after[1].pitch == 62 && after[1].offset == 0);
        CHECK_EQ(after[0].block, after[1].block);
    }
    // Note 60 began at beat 0 and would still sound at beat 1: it is not restarted mid-note.
    CHECK(withPitch(recorder.since(before), 60).empty());
    // Beats 1 to 3 again: 62 at 1, 64 at 1.5 (ends at 2.5), 65 at 3 is just past the run.
    const auto ons = withPitch(after, 64);
    CHECK_EQ(ons.size(), size_t(2));
    if (ons.size() == 2) CHECK_EQ(ons[0].sample, int64_t(84000 + 12000));
}

TEST(a_jump_forwards_skips_what_lies_between_and_plays_nothing_twice) {
    const Clip clip = sixteenths();
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 128, 24000 + 3000);  // to beat 1.125: the sixteenth at 1 sounds
    CHECK_EQ(recorder.keysDown(), 1);
    const size_t before = recorder.events.size();
    host.locate(10.5);  // loop position 2.5: the next sixteenth is at 10.5 itself
    run(player, host, recorder, 128, 6000);
    const std::vector<Played> after = recorder.since(before);
    CHECK(after.size() >= 2);
    if (after.size() >= 2) {
        CHECK(!after[0].on && after[0].offset == 0);
        CHECK(after[1].on && after[1].offset == 0 && after[1].pitch == 60 + 10 % 4);
    }
    CHECK_EQ(recorder.ons().size(), size_t(5 + 1));  // 0, .25, .5, .75, 1 then 10.5
    CHECK_EQ(recorder.keysDown(), 1);
}

TEST(stop_ends_notes_once_and_plays_nothing_then_start_plays_from_the_new_position) {
    const Clip clip = makeClip(1, 4, {note(0, 2, 60), note(1, 2, 62), note(3, 1, 64)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 256, 30000);  // beat 1.25: 60 and 62 sound
    CHECK_EQ(recorder.keysDown(), 2);
    CHECK(player.transportRunning());
    const size_t before = recorder.events.size();
    run(player, host, recorder, 256, 48000, false);  // stopped for 2 beats' worth of blocks
    const std::vector<Played> stopped = recorder.since(before);
    CHECK_EQ(stopped.size(), size_t(2));
    for (const Played& e : stopped) CHECK(!e.on && e.offset == 0 && e.block == stopped[0].block);
    CHECK(!player.transportRunning());
    // Start again at beat 3 (a DAW whose playhead was moved while stopped).
    host.locate(3.0);
    const size_t restart = recorder.events.size();
    run(player, host, recorder, 256, 24000);
    const std::vector<Played> again = recorder.since(restart);
    CHECK(!again.empty());
    if (!again.empty()) CHECK(again[0].on && again[0].pitch == 64 && again[0].offset == 0);
    CHECK(player.transportRunning());
}

TEST(a_beat_off_by_a_fraction_of_a_sample_continues_without_doubles_or_gaps) {
    // A host whose beat wobbles by up to 0.4 samples around the true one (rounding in its own
    // clock): no jump (no note-offs at offset 0 from a jump), every note exactly once.
    const Clip clip = sixteenths();
    Player player;
    player.submit(change(clip));
    Recorder recorder;
    const double perSample = 120.0 / (60.0 * 48000.0);
    int64_t position = 0;
    for (int block = 0; block < 3000; ++block) {
        Block b;
        b.ppqStart = double(position) * perSample + 0.4 * perSample * std::sin(block * 1.7);
        b.bpm = 120.0;
        b.sampleRate = 48000.0;
        b.numSamples = 64;
        b.playing = true;
        recorder.beginBlock(position, 64);
        player.process(b, recorder);
        position += 64;
    }
    // 3000 * 64 samples = 8 beats = 32 sixteenths, each a note-on; every note-off at its end.
    CHECK_EQ(recorder.ons().size(), size_t(32));
    CHECK_EQ(recorder.offs().size(), size_t(31));
    for (const Played& on : recorder.ons()) {
        const int64_t fromSixteenth = on.sample % 6000;  // within a sample of the grid
        CHECK(fromSixteenth <= 1 || fromSixteenth >= 5999);
    }
}

TEST(a_beat_two_samples_off_is_a_jump) {
    const Clip clip = makeClip(1, 4, {note(0, 4, 60)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 640);
    CHECK_EQ(recorder.keysDown(), 1);
    Block b = host.next(64);
    b.ppqStart += 2.0 * 120.0 / (60.0 * 48000.0);
    recorder.beginBlock(host.position() - 64, 64);
    player.process(b, recorder);
    CHECK_EQ(recorder.keysDown(), 0);  // ended at offset 0, not restarted mid-note
    CHECK_EQ(recorder.offs().size(), size_t(1));
    if (!recorder.offs().empty()) CHECK_EQ(recorder.offs()[0].offset, 0);
}

TEST(a_tempo_ramp_inside_blocks_is_followed_without_jumps) {
    // The host ramps 90 -> 180 BPM over 8 beats and reports the tempo at each block start,
    // with the beat integrated exactly across the ramp: each block starts up to a few samples
    // away from where the previous block's single tempo says. Not a jump: every sixteenth
    // plays once, in order, and no note is ended early.
    const Clip clip = sixteenths();
    Player player;
    player.submit(change(clip));
    Recorder recorder;
    const double sampleRate = 44100.0;
    const int n = 2048;
    double beat = 0.0;
    int64_t position = 0;
    auto bpmAt = [](double b) { return 90.0 + 90.0 * std::min(b, 8.0) / 8.0; };
    while (beat < 12.0) {
        Block b;
        b.ppqStart = beat;
        b.bpm = bpmAt(beat);
        b.sampleRate = sampleRate;
        b.numSamples = n;
        b.playing = true;
        recorder.beginBlock(position, n);
        player.process(b, recorder);
        // Integrate d(beat)/d(sample) = bpm(beat) / (60 * rate) through the block, finely.
        for (int i = 0; i < n; ++i) beat += bpmAt(beat) / (60.0 * sampleRate);
        position += n;
    }
    const auto ons = recorder.ons();
    CHECK(ons.size() >= 47 && ons.size() <= 49);  // 12 beats of sixteenths
    for (size_t i = 0; i < ons.size(); ++i) CHECK_EQ(ons[i].pitch, 60 + int(i % 4));
    // Every note lasts a sixteenth at the tempo of its time: never ended by a jump at offset 0
    // long before its end.
    const auto offs = recorder.offs();
    for (size_t i = 0; i + 1 < ons.size() && i < offs.size(); ++i)
        CHECK(offs[i].sample - ons[i].sample > 600);
}

TEST(a_sample_rate_change_is_a_jump) {
    const Clip clip = makeClip(1, 4, {note(0, 4, 60)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 6400);
    CHECK_EQ(recorder.keysDown(), 1);
    Block b = Host(44100.0, 120.0).next(64);
    b.ppqStart = host.ppq();
    recorder.beginBlock(host.position(), 64);
    player.process(b, recorder);
    CHECK_EQ(recorder.keysDown(), 0);
    CHECK_EQ(recorder.offs().size(), size_t(1));
}

TEST(a_block_with_no_tempo_is_treated_as_stopped) {
    const Clip clip = makeClip(1, 4, {note(0, 4, 60)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 640);
    Block b = host.next(64);
    b.bpm = 0.0;
    recorder.beginBlock(host.position() - 64, 64);
    player.process(b, recorder);
    CHECK_EQ(recorder.keysDown(), 0);
    CHECK(!player.transportRunning());
}

CHECK_MAIN()
