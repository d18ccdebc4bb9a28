// The handover under real concurrency: a message thread submitting, collecting and taking
// snapshots as fast as it can while an audio thread plays blocks. What is checked does not
// depend on the interleaving: the MIDI stays well-formed, every snapshot is a whole clip that was
// submitted, and the newest change ends up playing. (Run it under -fsanitize=thread too.)
#include <atomic>
#include <thread>

#include "harness.h"

using namespace harness;

namespace {

// Clip `seq` is recognisable from its contents: seq % 7 + 1 notes of pitch seq % 100.
Clip numbered(uint32_t seq) {
    std::vector<Note> notes;
    for (uint32_t i = 0; i < seq % 7 + 1; ++i) notes.push_back(note(int32_t(i), 2, int(seq % 100)));
    return makeClip(4, 16, notes, int(seq % 16) + 1, seq);
}

bool wholeClip(const Clip& clip) {
    return clip.seq >= 1 && clip.notes.size() == clip.seq % 7 + 1 &&
           clip.channel == int(clip.seq % 16) + 1 && clip.notes[0].pitch == clip.seq % 100;
}

}  // namespace

TEST(submit_collect_and_snapshot_race_the_audio_thread_safely) {
    Player player;
    // Both threads go on until each has done its share, so they overlap for real.
    constexpr uint32_t minChanges = 3000;
    constexpr int minBlocks = 3000;
    std::atomic<int> blocksDone{0};
    std::atomic<uint32_t> lastSeq{0};
    std::atomic<bool> done{false};
    std::atomic<int> badSnapshots{0};
    std::atomic<int> snapshots{0};

    std::thread message([&] {
        const StartRule rules[] = {StartRule::Now, StartRule::NextQuantum, StartRule::LoopEnd};
        for (uint32_t seq = 1; seq <= minChanges || blocksDone.load() < minBlocks; ++seq) {
            if (seq % 97 == 0)
                player.submit(clearChange(StartRule::Now));
            player.submit(change(numbered(seq), rules[seq % 3], 1 + int32_t(seq % 8)));
            if (seq % 3 == 0) player.collectGarbage();
            if (auto shot = player.snapshot()) {
                snapshots.fetch_add(1);
                if (!wholeClip(*shot)) badSnapshots.fetch_add(1);
            }
            if (seq % 50 == 0) std::this_thread::yield();
            lastSeq.store(seq);
        }
        done.store(true);
    });

    // The audio thread: the recorder checks every event as it arrives (this thread only).
    Host host(48000.0, 140.0);
    Recorder recorder;
    int blocks = 0;
    while (!done.load() || blocks < minBlocks) {
        const int n = 32 + (blocks % 5) * 100;
        recorder.beginBlock(host.position(), n);
        player.process(host.next(n, blocks % 1500 < 1400), recorder);
        if (blocks % 700 == 0) host.locate(double(blocks % 13));
        blocksDone.store(++blocks);
    }
    message.join();
    // Room in the retire ring (it may have filled since the message thread last collected),
    // then let the last change reach its boundary (LoopEnd of a 4-beat loop at most).
    player.collectGarbage();
    run(player, host, recorder, 256, 5 * 48000 * 60 / 140 + 256);
    player.collectGarbage();

    CHECK_EQ(badSnapshots.load(), 0);
    CHECK(snapshots.load() > 0);
    const uint32_t changes = lastSeq.load();
    CHECK(changes >= minChanges);
    CHECK_EQ(player.playingSeq(), changes);
    auto last = player.snapshot();
    CHECK(last != nullptr && last->seq == changes && wholeClip(*last));
    CHECK(player.changesApplied() >= 1);
}

CHECK_MAIN()
