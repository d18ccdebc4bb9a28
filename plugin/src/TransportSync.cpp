#include "TransportSync.h"

#include <ableton/Link.hpp>

#include <cmath>

namespace stepista {

TransportSync::TransportSync() = default;

TransportSync::~TransportSync() {
    audioLink_.store(nullptr);
    if (link_ != nullptr)
        link_->enable(false);
}

void TransportSync::setMode(SyncMode mode) {
    const bool wantsLink = mode != SyncMode::Host;
    if (wantsLink && link_ == nullptr) {
        link_ = std::make_unique<ableton::Link>(120.0);
        link_->enableStartStopSync(true);  // Stepista's clock starts and stops the session
        audioLink_.store(link_.get());
    }
    if (link_ != nullptr)
        link_->enable(wantsLink);
    mode_.store(int(mode), std::memory_order_relaxed);
}

int TransportSync::linkPeers() const {
    return link_ != nullptr && link_->isEnabled() ? int(link_->numPeers()) : 0;
}

int TransportSync::planBlock(juce::AudioPlayHead* playHead, int numSamples, double sampleRate,
                             Plan& plan) {
    Block block;
    block.numSamples = numSamples;
    block.sampleRate = sampleRate;
    juce::AudioPlayHead::PositionInfo info;
    if (playHead != nullptr)
        if (auto position = playHead->getPosition())
            info = *position;
    const auto mode = this->mode();
    const bool useLink = mode == SyncMode::Link || (mode == SyncMode::Auto && !info.getIsPlaying());
    if (useLink && audioLink_.load() != nullptr) {
        plan[0] = {blockFromLink(block), 0};
        return 1;
    }
    linkWasPlaying_ = false;
    return planFromHost(info, block, plan);
}

int TransportSync::planFromHost(const juce::AudioPlayHead::PositionInfo& info, Block block,
                                Plan& plan) const {
    block.ppqStart = info.getPpqPosition().orFallback(0.0);
    block.bpm = juce::jlimit(1.0, 1000.0, info.getBpm().orFallback(120.0));
    block.playing = info.getIsPlaying();
    plan[0] = {block, 0};

    // A host that does not split its blocks at the loop region's end reports the block's start
    // only; the part after the end is played from the loop's start. The end falls on the sample
    // the player would put a note there on (rounded half up), so a note at the loop's start plays
    // once and one at its end never.
    const auto loop = info.getLoopPoints();
    if (!block.playing || !info.getIsLooping() || !loop || loop->ppqEnd <= loop->ppqStart
        || block.ppqStart < loop->ppqStart || block.ppqStart >= loop->ppqEnd)
        return 1;
    const double samplesPerBeat = block.sampleRate * 60.0 / block.bpm;
    const double endAt = (loop->ppqEnd - block.ppqStart) * samplesPerBeat;  // in samples
    const int split = int(std::floor(endAt + 0.5));
    if (split >= block.numSamples)
        return 1;
    const double wrapped = loop->ppqStart + (split - endAt) / samplesPerBeat;  // at sample `split`
    if (split <= 0) {
        plan[0].block.ppqStart = wrapped;
        return 1;
    }
    plan[0].block.numSamples = split;
    Block after = block;
    after.numSamples = block.numSamples - split;
    after.ppqStart = wrapped;
    plan[1] = {after, split};
    return 2;
}

// Link's beat at the time this block will be heard (about one block from now), kept continuous:
// the audio callback's timing jitter would otherwise look like a small relocation each block, so
// drift is corrected by at most half a sample per block and only a real jump is passed on.
Block TransportSync::blockFromLink(Block block) {
    auto& link = *audioLink_.load();
    const auto state = link.captureAudioSessionState();
    const auto blockTime = std::chrono::microseconds(
        std::llround(1.0e6 * block.numSamples / block.sampleRate));
    const double beat = state.beatAtTime(link.clock().micros() + blockTime, linkQuantum);
    block.bpm = state.tempo();
    block.playing = state.isPlaying();
    block.ppqStart = beat;
    const double beatsPerSample = block.bpm / 60.0 / block.sampleRate;
    const double drift = beat - linkNextBeat_;
    if (block.playing && linkWasPlaying_ && std::abs(drift) < 0.02 * block.sampleRate * beatsPerSample)
        block.ppqStart = linkNextBeat_ + juce::jlimit(-0.5 * beatsPerSample, 0.5 * beatsPerSample, drift);
    linkNextBeat_ = block.ppqStart + block.numSamples * beatsPerSample;
    linkWasPlaying_ = block.playing;
    return block;
}

}  // namespace stepista
