// The transport the test host drives: a position in quarter notes, a tempo, play/stop and an
// optional loop region that wraps at block starts (as a host that does not split its blocks).
#pragma once

#include <juce_audio_processors/juce_audio_processors.h>

namespace testhost {

class TestPlayHead final : public juce::AudioPlayHead {
public:
    double ppq = 0.0;
    double bpm = 120.0;
    bool playing = false;
    bool looping = false;
    double loopStart = 0.0, loopEnd = 0.0;
    juce::int64 samples = 0;
    double sampleRate = 48000.0;

    juce::Optional<PositionInfo> getPosition() const override {
        PositionInfo info;
        info.setPpqPosition(ppq);
        info.setBpm(bpm);
        info.setIsPlaying(playing);
        info.setIsLooping(looping);
        if (looping)
            info.setLoopPoints(LoopPoints{loopStart, loopEnd});
        info.setTimeInSamples(samples);
        info.setTimeInSeconds(double(samples) / sampleRate);
        info.setTimeSignature(TimeSignature{4, 4});
        return info;
    }

    void advance(int numSamples) {
        samples += numSamples;
        if (!playing)
            return;
        ppq += numSamples * bpm / 60.0 / sampleRate;
        if (looping && loopEnd > loopStart && ppq >= loopEnd)
            ppq = loopStart + std::fmod(ppq - loopEnd, loopEnd - loopStart);
    }
};

}  // namespace testhost
