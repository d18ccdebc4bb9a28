// Test doubles for the player: a host that reports its playhead the way DAWs do (beat computed
// from its sample position and the tempo), and a sink that records what the player sends, with
// absolute sample positions, and checks as it goes that it is well-formed, ordered MIDI.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "Player.h"
#include "check.h"

namespace harness {

using namespace stepista;

struct Played {
    int64_t sample = 0;  // absolute: the host's sample at the block start + the offset
    bool on = false;
    int channel = 1;
    int pitch = 0;
    int velocity = 0;
    int offset = 0;
    int64_t block = 0;
};

inline bool operator<(const Played& a, const Played& b) {
    // Note-offs first at one sample, as the player sends them.
    return std::make_tuple(a.sample, a.on, a.channel, a.pitch) <
           std::make_tuple(b.sample, b.on, b.channel, b.pitch);
}

inline bool sameEvent(const Played& a, const Played& b) {
    return a.sample == b.sample && a.on == b.on && a.channel == b.channel && a.pitch == b.pitch;
}

class Recorder final : public EventSink {
public:
    Recorder() { events.reserve(1 << 16); }

    void beginBlock(int64_t hostSample, int numSamples) {
        blockStart_ = hostSample;
        numSamples_ = numSamples;
        lastOffset_ = -1;
        lastWasOn_ = false;
        ++block_;
    }

    void add(const MidiEvent& event) override {
        const bool on = (event.status & 0xF0) == 0x90;
        const int channel = (event.status & 0x0F) + 1;
        CHECK(on || (event.status & 0xF0) == 0x80);
        CHECK(event.sampleOffset >= 0 && event.sampleOffset < numSamples_);
        // Offsets never decrease; at one offset note-offs come before note-ons.
        CHECK(event.sampleOffset >= lastOffset_);
        if (event.sampleOffset == lastOffset_ && lastWasOn_) CHECK(on);
        lastOffset_ = event.sampleOffset;
        lastWasOn_ = on;
        // Well-formed: never a note-on for a key already down, never a note-off for a key up.
        bool& down = keys_[size_t(channel - 1)][size_t(event.data1 & 127)];
        if (on) {
            CHECK(!down);
            CHECK(event.data2 >= 1 && event.data2 <= 127);
        } else {
            CHECK(down);
        }
        down = on;
        events.push_back(Played{blockStart_ + event.sampleOffset, on, channel, event.data1,
                                event.data2, event.sampleOffset, block_});
    }

    std::vector<Played> ons() const { return only(true); }
    std::vector<Played> offs() const { return only(false); }
    int keysDown() const {
        int count = 0;
        for (const auto& channel : keys_)
            for (bool down : channel) count += down ? 1 : 0;
        return count;
    }
    std::vector<Played> since(size_t index) const {
        return std::vector<Played>(events.begin() + std::ptrdiff_t(index), events.end());
    }

    std::vector<Played> events;

private:
    std::vector<Played> only(bool on) const {
        std::vector<Played> out;
        for (const Played& e : events)
            if (e.on == on) out.push_back(e);
        return out;
    }

    int64_t blockStart_ = 0;
    int numSamples_ = 0;
    int lastOffset_ = -1;
    bool lastWasOn_ = false;
    int64_t block_ = -1;
    bool keys_[16][128] = {};
};

// A DAW's transport: beat = anchor beat + samples since the anchor * bpm / (60 * sampleRate),
// in double, recomputed from the sample position for every block (as JUCE hosts report it).
class Host final {
public:
    Host(double sampleRate, double bpm) : sampleRate_(sampleRate), bpm_(bpm) {}

    Block next(int numSamples, bool playing = true) {
        Block block;
        block.ppqStart = ppq();
        block.bpm = bpm_;
        block.sampleRate = sampleRate_;
        block.numSamples = numSamples;
        block.playing = playing;
        position_ += numSamples;
        return block;
    }
    double ppq() const {
        return anchorPpq_ + double(position_ - anchorPosition_) * bpm_ / (60.0 * sampleRate_);
    }
    void setTempo(double bpm) {
        anchorPpq_ = ppq();
        anchorPosition_ = position_;
        bpm_ = bpm;
    }
    void locate(double ppq) {
        anchorPpq_ = ppq;
        anchorPosition_ = position_;
    }
    int64_t position() const { return position_; }
    double sampleRate() const { return sampleRate_; }
    double bpm() const { return bpm_; }

private:
    double sampleRate_;
    double bpm_;
    int64_t position_ = 0;
    int64_t anchorPosition_ = 0;
    double anchorPpq_ = 0.0;
};

// Plays `samples` samples in blocks of `blockSize` (the last one shorter).
inline void run(Player& player, Host& host, Recorder& recorder, int blockSize, int64_t samples,
                bool playing = true) {
    for (int64_t done = 0; done < samples;) {
        const int n = int(std::min<int64_t>(blockSize, samples - done));
        recorder.beginBlock(host.position(), n);
        player.process(host.next(n, playing), recorder);
        done += n;
    }
}

inline Clip makeClip(int32_t tpq, int32_t loopTicks, std::vector<Note> notes, int channel = 1,
                     uint32_t seq = 1) {
    Clip clip;
    clip.seq = seq;
    clip.channel = channel;
    clip.tpq = tpq;
    clip.loopTicks = loopTicks;
    clip.notes = std::move(notes);
    clip.sort();
    return clip;
}

inline Note note(int32_t start, int32_t duration, int pitch, int velocity = 100) {
    Note n;
    n.start = start;
    n.duration = duration;
    n.pitch = uint8_t(pitch);
    n.velocity = uint8_t(velocity);
    return n;
}

inline Change change(const Clip& clip, StartRule rule = StartRule::Now, int32_t quantumTicks = 0) {
    Change c;
    c.clip = std::make_unique<Clip>(clip);
    c.rule = rule;
    c.quantumTicks = quantumTicks;
    return c;
}

inline Change clearChange(StartRule rule = StartRule::Now, int32_t quantumTicks = 0) {
    Change c;
    c.rule = rule;
    c.quantumTicks = quantumTicks;
    return c;
}

// The exact sample of tick/tpq beats at bpm = bpmNum/bpmDen, rounded half up, in integers
// (the tests' ticks are small enough for int64: tick * 60 * 96000 * 10 stays below 2^62).
inline int64_t exactSample(int64_t tick, int64_t tpq, int64_t sampleRate, int64_t bpmNum,
                           int64_t bpmDen = 1) {
    const int64_t num = tick * 60 * sampleRate * bpmDen;
    const int64_t den = tpq * bpmNum;
    return (2 * num + den) / (2 * den);  // floor(num / den + 1/2) for num >= 0
}

// What a clip played from beat 0 must give over [0, samples): every note-on and note-off at its
// exact sample (no two notes of one pitch may overlap in the clip).
inline std::vector<Played> expectedFromZero(const Clip& clip, int64_t sampleRate, int64_t bpmNum,
                                            int64_t bpmDen, int64_t samples) {
    std::vector<Played> out;
    for (int64_t loopStart = 0;; loopStart += clip.loopTicks) {
        if (exactSample(loopStart, clip.tpq, sampleRate, bpmNum, bpmDen) >= samples) break;
        for (const Note& n : clip.notes) {
            const int64_t on = exactSample(loopStart + n.start, clip.tpq, sampleRate, bpmNum, bpmDen);
            const int64_t off =
                exactSample(loopStart + n.start + n.duration, clip.tpq, sampleRate, bpmNum, bpmDen);
            if (on < samples) out.push_back(Played{on, true, clip.channel, n.pitch, n.velocity});
            if (on < samples && off < samples)
                out.push_back(Played{off, false, clip.channel, n.pitch, 0});
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

inline std::vector<Played> sorted(std::vector<Played> events) {
    std::sort(events.begin(), events.end());
    return events;
}

// Compares two event lists by sample, kind, channel and pitch; reports the first difference.
inline bool sameEvents(const std::vector<Played>& actual, const std::vector<Played>& expected,
                       const char* what) {
    const std::vector<Played> a = sorted(actual);
    const std::vector<Played> e = sorted(expected);
    const size_t common = std::min(a.size(), e.size());
    for (size_t i = 0; i < common; ++i) {
        if (!sameEvent(a[i], e[i])) {
            std::fprintf(stderr, "%s: event %zu differs: got %s p%d @%lld, expected %s p%d @%lld\n",
                         what, i, a[i].on ? "on" : "off", a[i].pitch, (long long)a[i].sample,
                         e[i].on ? "on" : "off", e[i].pitch, (long long)e[i].sample);
            return false;
        }
    }
    if (a.size() != e.size()) {
        std::fprintf(stderr, "%s: %zu events, expected %zu\n", what, a.size(), e.size());
        return false;
    }
    return true;
}

inline std::vector<Played> withPitch(const std::vector<Played>& events, int pitch) {
    std::vector<Played> out;
    for (const Played& e : events)
        if (e.pitch == pitch) out.push_back(e);
    return out;
}

}  // namespace harness
