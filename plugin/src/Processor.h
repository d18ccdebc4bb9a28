// The plugin as the host sees it: an instrument with a silent stereo output whose MIDI output
// carries the pattern Stepista sent it.
#pragma once

#include "Controller.h"
#include "MidiOut.h"
#include "Player.h"
#include "TransportSync.h"

#include <juce_audio_processors/juce_audio_processors.h>

#include <atomic>

namespace stepista {

class Processor final : public juce::AudioProcessor {
public:
    Processor();
    ~Processor() override;

    void prepareToPlay(double sampleRate, int maximumExpectedSamplesPerBlock) override;
    void releaseResources() override;
    bool isBusesLayoutSupported(const BusesLayout& layouts) const override;
    using juce::AudioProcessor::processBlock;  // the double-precision ones stay JUCE's
    using juce::AudioProcessor::processBlockBypassed;
    void processBlock(juce::AudioBuffer<float>& audio, juce::MidiBuffer& midi) override;
    void processBlockBypassed(juce::AudioBuffer<float>& audio, juce::MidiBuffer& midi) override;

    juce::AudioProcessorEditor* createEditor() override;
    bool hasEditor() const override { return true; }

    const juce::String getName() const override { return "Stepista"; }
    bool acceptsMidi() const override { return true; }
    bool producesMidi() const override { return true; }
    bool isMidiEffect() const override { return false; }
    double getTailLengthSeconds() const override { return 0.0; }

    int getNumPrograms() override { return 1; }
    int getCurrentProgram() override { return 0; }
    void setCurrentProgram(int) override {}
    const juce::String getProgramName(int) override { return {}; }
    void changeProgramName(int, const juce::String&) override {}

    void getStateInformation(juce::MemoryBlock& destData) override;
    void setStateInformation(const void* data, int sizeInBytes) override;

    Controller& controller() { return controller_; }
    const Player& player() const { return player_; }

private:
    Player player_;
    TransportSync sync_;
    MidiOut midiOut_;
    double sampleRate_ = 48000.0;
    std::atomic<bool> notesOffPending_{false};  // releaseResources asks the next block for them
    Controller controller_;  // last: its threads call into the members above

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(Processor)
};

}  // namespace stepista
