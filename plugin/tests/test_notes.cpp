// Note-offs and the sounding table: long notes across blocks, one pitch overlapping itself,
// duplicates, a full table, and the order of events inside a block.
#include "harness.h"

using namespace harness;

TEST(a_long_note_ends_ten_blocks_later_at_its_exact_offset) {
    // 120 BPM, 48 kHz, 96 ticks per beat: a note from tick 0 lasting 13 ticks ends at
    // 13 * 250 = 3250 samples = block 50 (of 64), offset 50. Blocks 1-49 say nothing.
    const Clip clip = makeClip(96, 96 * 4, {note(0, 13, 60)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 64 * 60);
    CHECK_EQ(recorder.events.size(), size_t(2));
    if (recorder.events.size() == 2) {
        CHECK(recorder.events[0].on);
        CHECK_EQ(recorder.events[0].block, int64_t(0));
        CHECK_EQ(recorder.events[0].offset, 0);
        CHECK(!recorder.events[1].on);
        CHECK_EQ(recorder.events[1].block, int64_t(50));
        CHECK_EQ(recorder.events[1].offset, 50);
    }
}

TEST(a_note_over_ten_blocks_of_64) {
    // 640 samples = 10 blocks; a note of 2.56 ms... at 1 tick = 64 samples (tpq 375 at 120 BPM,
    // 48 kHz) a 10-tick note from tick 1 goes from block 1 offset 0 to block 11 offset 0.
    const Clip clip = makeClip(375, 375 * 2, {note(1, 10, 64)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 64 * 20);
    CHECK_EQ(recorder.events.size(), size_t(2));
    if (recorder.events.size() == 2) {
        CHECK_EQ(recorder.events[0].block, int64_t(1));
        CHECK_EQ(recorder.events[0].offset, 0);
        CHECK_EQ(recorder.events[1].block, int64_t(11));
        CHECK_EQ(recorder.events[1].offset, 0);
        CHECK(!recorder.events[1].on);
    }
}

TEST(one_pitch_overlapping_itself_is_cut_short_by_the_second_note) {
    // A from tick 0 for 8 ticks, B from tick 4 for 2 ticks, same pitch (4 ticks per beat).
    const Clip clip = makeClip(4, 16, {note(0, 8, 60, 90), note(4, 2, 60, 80)});
    for (const int blockSize : {1, 64, 6000, 48000}) {
        Player player;
        player.submit(change(clip));
        Host host(48000.0, 120.0);
        Recorder recorder;
        run(player, host, recorder, blockSize, 4 * 24000);
        const auto& e = recorder.events;
        CHECK_EQ(e.size(), size_t(4));
        if (e.size() != 4) continue;
        CHECK(e[0].on && e[0].sample == 0 && e[0].velocity == 90);
        // At tick 4 (sample 24000): A's note-off, then B's note-on, at one offset.
        CHECK(!e[1].on && e[1].sample == 24000);
        CHECK(e[2].on && e[2].sample == 24000 && e[2].velocity == 80);
        CHECK_EQ(e[1].block, e[2].block);
        CHECK(!e[3].on && e[3].sample == 36000);  // B's own end; A's (48000) is gone
    }
}

TEST(a_note_ending_where_the_same_pitch_starts_again_is_off_then_on) {
    const Clip clip = makeClip(1, 2, {note(0, 1, 60), note(1, 1, 60)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 4 * 24000 + 1);
    CHECK_EQ(recorder.ons().size(), size_t(5));
    CHECK_EQ(recorder.offs().size(), size_t(4));
    for (const Played& off : recorder.offs()) CHECK(off.sample % 24000 == 0);
}

TEST(a_duplicate_note_plays_once_as_long_as_the_longer) {
    const Clip clip = makeClip(4, 16, {note(0, 2, 60), note(0, 5, 60), note(0, 1, 60)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 48000);
    CHECK_EQ(recorder.events.size(), size_t(2));
    if (recorder.events.size() == 2) {
        CHECK(recorder.events[0].on && recorder.events[0].sample == 0);
        CHECK(!recorder.events[1].on && recorder.events[1].sample == 5 * 6000);
    }
}

TEST(events_in_a_block_are_in_order_offs_first_at_one_offset) {
    // A dense clip in one big block: chords whose notes end exactly where others start.
    std::vector<Note> notes;
    for (int step = 0; step < 16; ++step)
        for (int voice = 0; voice < 6; ++voice)
            notes.push_back(note(step, 1 + (voice % 3), 40 + voice * 7 + step % 5));
    const Clip clip = makeClip(4, 16, notes);
    for (const int blockSize : {4096, 100000}) {
        Player player;
        player.submit(change(clip));
        Host host(48000.0, 120.0);
        Recorder recorder;  // checks the order of every event it receives
        run(player, host, recorder, blockSize, 3 * 96000);
        CHECK(recorder.ons().size() > 200);
        bool sawOffBeforeOnAtOneOffset = false;
        for (size_t i = 1; i < recorder.events.size(); ++i) {
            const Played& a = recorder.events[i - 1];
            const Played& b = recorder.events[i];
            if (a.block == b.block && a.offset == b.offset && !a.on && b.on)
                sawOffBeforeOnAtOneOffset = true;
        }
        CHECK(sawOffBeforeOnAtOneOffset);
    }
}

TEST(a_full_sounding_table_drops_new_notes_and_counts_them) {
    // Five clips on five channels, one after the other a beat apart, each holding all 128
    // pitches from its own beat for a whole 8-beat loop. Changes do not cut notes, so after four
    // the table (512) is full and the fifth clip's notes are dropped.
    Player player;
    Host host(48000.0, 120.0);
    Recorder recorder;
    for (int channel = 1; channel <= 5; ++channel) {
        std::vector<Note> notes;
        for (int pitch = 0; pitch < 128; ++pitch) notes.push_back(note(16 * (channel - 1), 128, pitch));
        player.submit(change(makeClip(16, 128, notes, channel, uint32_t(channel)),
                             StartRule::NextQuantum, 16));
        run(player, host, recorder, 512, 24000);  // one beat: the change, then its notes
    }
    CHECK_EQ(recorder.ons().size(), size_t(512));
    CHECK_EQ(player.droppedNoteOns(), uint64_t(128));
    CHECK_EQ(player.changesApplied(), uint64_t(5));
    CHECK_EQ(player.playingSeq(), uint32_t(5));
    // The four clips' notes end at beats 8-11 and nothing is stuck; the fifth clip plays again
    // from its next pass (beat 12) into the free table.
    run(player, host, recorder, 512, 8 * 24000);
    CHECK_EQ(recorder.offs().size(), size_t(512));
    CHECK_EQ(recorder.ons().size(), size_t(512 + 128));
    CHECK_EQ(recorder.keysDown(), 128);
    CHECK_EQ(player.droppedNoteOns(), uint64_t(128));
}

TEST(all_notes_off_ends_everything_at_the_offset) {
    const Clip clip = makeClip(1, 4, {note(0, 4, 60), note(0, 4, 64), note(0, 4, 67)});
    Player player;
    player.submit(change(clip));
    Host host(48000.0, 120.0);
    Recorder recorder;
    run(player, host, recorder, 64, 640);
    CHECK_EQ(recorder.keysDown(), 3);
    recorder.beginBlock(host.position(), 64);
    player.allNotesOff(17, recorder);
    CHECK_EQ(recorder.keysDown(), 0);
    for (const Played& off : recorder.offs()) CHECK_EQ(off.offset, 17);
    // The notes do not come back (they began before) and nothing is ended twice.
    run(player, host, recorder, 64, 24000);
    CHECK_EQ(recorder.ons().size(), size_t(3));
    CHECK_EQ(recorder.offs().size(), size_t(3));
}

CHECK_MAIN()
