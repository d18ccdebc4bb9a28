// The sample-accuracy property: for a clip at a fixed tempo, every note-on and note-off lands on
// round(beat * 60 * sampleRate / bpm) (exact integers, half up), whatever the block size, over
// several loops, with triplets, ties half-way between two samples, notes on block boundaries,
// and notes that run past the loop's end.
#include <cstdio>
#include <string>

#include "harness.h"

using namespace harness;

namespace {

struct Tempo {
    double bpm;
    int64_t num;  // bpm = num / den exactly, for the integer reference
    int64_t den;
};

const Tempo tempos[] = {{60.0, 60, 1}, {120.0, 120, 1}, {174.0, 174, 1}, {97.3, 973, 10}};
const int64_t sampleRates[] = {44100, 48000, 96000};
const int blockSizes[] = {1, 32, 64, 441, 512, 1024, 4096};

// Two beats at 12 ticks per beat: the loop's first and last tick, triplets (4, 8), sixteenths
// (3, 9), 1/12 beat (half-way between two samples at 44.1 kHz and 120 BPM), a note that wraps
// past the loop's end, and one exactly a loop long (its note-off meets its next note-on).
Clip twelfths() {
    return makeClip(12, 24,
                    {note(0, 2, 60), note(23, 1, 61), note(4, 4, 62), note(8, 4, 63),
                     note(3, 3, 64), note(9, 2, 65), note(1, 1, 66), note(12, 6, 67),
                     note(20, 10, 68), note(6, 24, 69), note(16, 7, 70)});
}

// Seven triplet eighths (7/3 beats, so loop wraps fall between beats), one note wrapping.
Clip triplets() {
    return makeClip(3, 7, {note(0, 1, 48), note(1, 2, 50), note(2, 1, 52), note(6, 3, 55)});
}

int runSweep(const Clip& clip, const char* name, int64_t loops, int* onBoundary) {
    int failures = 0;
    for (const Tempo& tempo : tempos) {
        for (const int64_t rate : sampleRates) {
            // A little more than `loops` loops, so the last ones wrap too.
            const int64_t samples =
                exactSample(loops * clip.loopTicks + clip.loopTicks / 3, clip.tpq, rate, tempo.num, tempo.den);
            const std::vector<Played> expected =
                expectedFromZero(clip, rate, tempo.num, tempo.den, samples);
            for (const int blockSize : blockSizes) {
                Player player;
                player.submit(change(clip));
                Host host(double(rate), tempo.bpm);
                Recorder recorder;
                run(player, host, recorder, blockSize, samples);
                const std::string what = std::string(name) + " at " + std::to_string(tempo.bpm) +
                                         " BPM, " + std::to_string(rate) + " Hz, blocks of " +
                                         std::to_string(blockSize);
                if (!sameEvents(recorder.events, expected, what.c_str())) ++failures;
                for (const Played& e : recorder.events) {
                    // A note on a block boundary: its sample starts a block.
                    if (e.on && e.offset == 0 && blockSize > 1) ++*onBoundary;
                }
            }
        }
    }
    return failures;
}

}  // namespace

TEST(positions_are_exact_and_independent_of_block_size) {
    int onBoundary = 0;
    CHECK_EQ(runSweep(twelfths(), "twelfths", 3, &onBoundary), 0);
    CHECK_EQ(runSweep(triplets(), "triplets", 4, &onBoundary), 0);
    CHECK(onBoundary > 100);  // the sweep does exercise notes on block boundaries
}

TEST(a_tie_half_way_between_samples_rounds_up) {
    // 1/12 beat at 120 BPM and 44.1 kHz is 1837.5 samples: it plays at 1838, in every block size.
    for (const int blockSize : {1, 64, 1838, 1837, 4096}) {
        Player player;
        player.submit(change(makeClip(12, 12, {note(1, 1, 60)})));
        Host host(44100.0, 120.0);
        Recorder recorder;
        run(player, host, recorder, blockSize, 22050);
        const auto ons = recorder.ons();
        CHECK_EQ(ons.size(), size_t(1));
        if (!ons.empty()) CHECK_EQ(ons[0].sample, int64_t(1838));
    }
}

TEST(a_note_on_a_block_boundary_plays_once_at_offset_zero) {
    // Beat 1 at 120 BPM, 48 kHz is sample 24000 = block 375 of 64 exactly.
    Player player;
    player.submit(change(makeClip(1, 2, {note(1, 1, 60)})));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 48000);
    const auto ons = recorder.ons();
    CHECK_EQ(ons.size(), size_t(1));
    if (!ons.empty()) {
        CHECK_EQ(ons[0].block, int64_t(375));
        CHECK_EQ(ons[0].offset, 0);
    }
    // Its note-off (beat 2 = sample 48000) is past the end: still down.
    CHECK_EQ(recorder.keysDown(), 1);
}

TEST(loop_first_and_last_tick_every_loop) {
    // Loop of 4 beats at 4 ticks per beat: ticks 0 and 15 of every loop.
    const Clip clip = makeClip(4, 16, {note(0, 1, 60), note(15, 1, 72)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 512, 4 * 96000 + 10);
    const auto low = withPitch(recorder.ons(), 60);
    const auto high = withPitch(recorder.ons(), 72);
    CHECK_EQ(low.size(), size_t(5));   // loops 0-3 and the start of loop 4
    CHECK_EQ(high.size(), size_t(4));
    for (size_t k = 0; k < low.size(); ++k) CHECK_EQ(low[k].sample, int64_t(k) * 96000);
    for (size_t k = 0; k < high.size(); ++k) CHECK_EQ(high[k].sample, int64_t(k) * 96000 + 90000);
    // Each last-tick note ends exactly where the next loop's first note starts (another pitch).
    const auto highOffs = withPitch(recorder.offs(), 72);
    for (size_t k = 0; k < highOffs.size(); ++k)
        CHECK_EQ(highOffs[k].sample, int64_t(k + 1) * 96000);
}

TEST(a_note_past_the_loop_end_ends_after_the_wrap) {
    // Loop of 2 beats; a note from beat 1.5 lasting 1 beat ends at beat 0.5 of the next pass.
    const Clip clip = makeClip(2, 4, {note(3, 2, 60)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 3 * 48000);
    const auto ons = recorder.ons();
    const auto offs = recorder.offs();
    CHECK_EQ(ons.size(), size_t(3));
    CHECK_EQ(offs.size(), size_t(2));  // the third ends after the run
    for (size_t k = 0; k < offs.size(); ++k) {
        CHECK_EQ(ons[k].sample, int64_t(k) * 48000 + 36000);
        CHECK_EQ(offs[k].sample, int64_t(k + 1) * 48000 + 12000);
    }
}

TEST(a_host_that_starts_mid_loop_plays_the_loop_anchored_at_beat_zero) {
    // Loop of 2 beats; the host starts at beat 5.25 (loop position 1.25): the next note at loop
    // tick 6/4 (beat 1.5) is host beat 5.5, a quarter beat (6000 samples) in.
    const Clip clip = makeClip(4, 8, {note(0, 1, 60), note(6, 1, 62)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    host.locate(5.25);
    Recorder recorder;
    run(player, host, recorder, 256, 72000);  // beats 5.25 to 8.25
    const auto ons = recorder.ons();
    CHECK_EQ(ons.size(), size_t(4));
    if (ons.size() == 4) {
        CHECK_EQ(ons[0].pitch, 62);
        CHECK_EQ(ons[0].sample, int64_t(6000));
        CHECK_EQ(ons[1].pitch, 60);
        CHECK_EQ(ons[1].sample, int64_t(18000));  // beat 6
        CHECK_EQ(ons[2].pitch, 62);
        CHECK_EQ(ons[2].sample, int64_t(54000));  // beat 7.5
        CHECK_EQ(ons[3].pitch, 60);
        CHECK_EQ(ons[3].sample, int64_t(66000));  // beat 8
    }
    CHECK(player.loopPosition() >= 0.0 && player.loopPosition() < 2.0);
}

TEST(a_pre_roll_before_beat_zero_counts_in) {
    const Clip clip = makeClip(1, 4, {note(0, 1, 60), note(3, 1, 64)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    host.locate(-2.0);
    Recorder recorder;
    run(player, host, recorder, 100, 4 * 24000);
    const auto ons = recorder.ons();
    CHECK_EQ(ons.size(), size_t(2));
    if (ons.size() == 2) {
        CHECK_EQ(ons[0].pitch, 64);  // beat -1 is loop tick 3
        CHECK_EQ(ons[0].sample, int64_t(24000));
        CHECK_EQ(ons[1].pitch, 60);  // beat 0
        CHECK_EQ(ons[1].sample, int64_t(48000));
    }
}

TEST(a_note_shorter_than_a_sample_still_has_its_off_after_its_on) {
    // At 1,048,576 ticks per beat one tick is 0.02 samples.
    const Clip clip = makeClip(1048576, 1048576, {note(524288, 1, 60)});
    Player player;
    player.submit(change(clip));
    Host host(44100.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 22050);
    const auto ons = recorder.ons();
    const auto offs = recorder.offs();
    CHECK_EQ(ons.size(), size_t(1));
    CHECK_EQ(offs.size(), size_t(1));
    if (ons.size() == 1 && offs.size() == 1) {
        CHECK_EQ(ons[0].sample, int64_t(11025));
        CHECK_EQ(offs[0].sample, int64_t(11026));
    }
}

CHECK_MAIN()
