// Which timeline the player follows, turned into stepista::Blocks for each audio block:
// the host's transport, an Ableton Link session, or the host when it plays and Link otherwise.
#pragma once

#include "Player.h"

#include <juce_audio_processors/juce_audio_processors.h>

#include <array>
#include <atomic>
#include <memory>

namespace ableton { class Link; }

namespace stepista {

enum class SyncMode : int { Host = 0, Link = 1, Auto = 2 };

class TransportSync final {
public:
    // One part of an audio block: the block is split in two where the host's loop region wraps.
    struct Segment final {
        Block block;
        int offset = 0;  // the segment's first sample in the audio block
    };
    using Plan = std::array<Segment, 2>;

    TransportSync();
    ~TransportSync();

    // -- message thread: Link is created (once) and enabled only when a mode needs it.
    void setMode(SyncMode mode);
    SyncMode mode() const { return SyncMode(mode_.load(std::memory_order_relaxed)); }
    int linkPeers() const;

    // -- audio thread: fills `plan` and returns how many segments it holds (1 or 2). Realtime
    // safe: Link's audio-thread session state, no locks, no allocation.
    int planBlock(juce::AudioPlayHead* playHead, int numSamples, double sampleRate, Plan& plan);

private:
    static constexpr double linkQuantum = 4.0;

    int planFromHost(const juce::AudioPlayHead::PositionInfo& info, Block block, Plan& plan) const;
    Block blockFromLink(Block block);

    std::atomic<int> mode_{int(SyncMode::Host)};
    std::unique_ptr<ableton::Link> link_;      // owned here; outlives every audio callback
    std::atomic<ableton::Link*> audioLink_{nullptr};
    double linkNextBeat_ = 0.0;                // audio thread: where the last Link block ended
    bool linkWasPlaying_ = false;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(TransportSync)
};

}  // namespace stepista
