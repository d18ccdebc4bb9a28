// What Player::process costs on the audio thread, with the densest clip the protocol allows:
// 16 bars (64 beats) of sixteenths, 8 pitches per step = 2048 notes, lengths 1-7 sixteenths.
//
// For each tempo and block size it plays two full loops (after one to warm up), timing every
// process() call, and prints the median, 99th percentile and worst block in nanoseconds, and the
// median and p99 as a share of the block's real time (numSamples / sampleRate).
//
//   stepista_player_bench            all figures
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "Player.h"

using namespace stepista;

namespace {

// Stands in for the plugin's preallocated juce::MidiBuffer.
class ArraySink final : public EventSink {
public:
    void add(const MidiEvent& event) override {
        if (count_ < int(events_.size())) events_[size_t(count_++)] = event;
    }
    void clear() { count_ = 0; }
    int count() const { return count_; }

private:
    std::array<MidiEvent, Player::maxEventsPerBlock> events_{};
    int count_ = 0;
};

std::unique_ptr<Clip> denseClip() {
    auto clip = std::make_unique<Clip>();
    clip->seq = 1;
    clip->channel = 1;
    clip->tpq = 4;
    clip->loopTicks = 64 * 4;
    for (int step = 0; step < 256; ++step) {
        for (int voice = 0; voice < 8; ++voice) {
            Note n;
            n.start = step;
            n.duration = 1 + (step * 3 + voice) % 7;
            n.pitch = uint8_t(36 + voice * 9 + step % 9);
            n.velocity = uint8_t(40 + (step * 7 + voice * 11) % 80);
            clip->notes.push_back(n);
        }
    }
    clip->sort();
    return clip;
}

struct Figures {
    double medianNs = 0, p99Ns = 0, worstNs = 0;
    long events = 0;
};

Figures measure(double bpm, int blockSize, double sampleRate) {
    Player player;
    Change change;
    change.clip = denseClip();
    change.rule = StartRule::Now;
    player.submit(std::move(change));

    const double loopSeconds = 64.0 * 60.0 / bpm;
    const long blocksPerLoop = long(loopSeconds * sampleRate / blockSize);
    std::vector<double> ns;
    ns.reserve(size_t(2 * blocksPerLoop));
    ArraySink sink;
    Figures f;
    long long position = 0;
    for (long i = 0; i < 3 * blocksPerLoop; ++i) {
        Block block;
        block.ppqStart = double(position) * bpm / (60.0 * sampleRate);
        block.bpm = bpm;
        block.sampleRate = sampleRate;
        block.numSamples = blockSize;
        block.playing = true;
        sink.clear();
        const auto t0 = std::chrono::steady_clock::now();
        player.process(block, sink);
        const auto t1 = std::chrono::steady_clock::now();
        position += blockSize;
        if (i < blocksPerLoop) continue;  // the first loop warms caches and branch predictors
        ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
        f.events += sink.count();
    }
    std::sort(ns.begin(), ns.end());
    f.medianNs = ns[ns.size() / 2];
    f.p99Ns = ns[size_t(double(ns.size() - 1) * 0.99)];
    f.worstNs = ns.back();
    return f;
}

double clockOverheadNs() {
    std::vector<double> ns(100000);
    for (double& v : ns) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto t1 = std::chrono::steady_clock::now();
        v = std::chrono::duration<double, std::nano>(t1 - t0).count();
    }
    std::sort(ns.begin(), ns.end());
    return ns[ns.size() / 2];
}

}  // namespace

int main() {
    const double sampleRate = 48000.0;
    std::printf("Player::process, dense clip: 64 beats, 2048 notes (16ths x 8 pitches), %.0f Hz\n",
                sampleRate);
    std::printf("timer overhead (median, included below): %.0f ns\n\n", clockOverheadNs());
    std::printf("%6s %6s %10s %10s %10s %12s %10s %10s\n", "bpm", "block", "median ns", "p99 ns",
                "worst ns", "events/loop", "median %RT", "p99 %RT");
    for (const int blockSize : {64, 512}) {
        for (const double bpm : {120.0, 174.0}) {
            const Figures f = measure(bpm, blockSize, sampleRate);
            const double blockNs = blockSize / sampleRate * 1e9;
            std::printf("%6.0f %6d %10.0f %10.0f %10.0f %12ld %9.4f%% %9.4f%%\n", bpm, blockSize,
                        f.medianNs, f.p99Ns, f.worstNs, f.events / 2, 100.0 * f.medianNs / blockNs,
                        100.0 * f.p99Ns / blockNs);
        }
    }
    return 0;
}
