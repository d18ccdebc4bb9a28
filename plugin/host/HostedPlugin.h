// One plugin instance loaded from a .vst3 bundle, prepared, with a playhead the host drives.
#pragma once

#include "TestPlayHead.h"

#include <juce_audio_processors/juce_audio_processors.h>

#include <functional>
#include <memory>

namespace testhost {

// A path from the command line, relative to the working directory.
inline juce::File fileArg(const std::string& path) {
    return juce::File::getCurrentWorkingDirectory().getChildFile(juce::String(path));
}

class HostedPlugin final {
public:
    // Throws std::runtime_error when the bundle does not load.
    HostedPlugin(const juce::String& bundlePath, double sampleRate, int blockSize);
    ~HostedPlugin();

    juce::AudioPluginInstance& instance() { return *instance_; }
    TestPlayHead& playHead() { return playHead_; }
    int blockSize() const { return blockSize_; }

    // Runs one block of `numSamples` (<= blockSize) and advances the playhead; `midi` holds the
    // plugin's output.
    void process(int numSamples, juce::MidiBuffer& midi);

    juce::String instanceId();  // the id in the plugin's saved state
    // Rewrites the plugin's own state (its XML inside the host's VST3 state) and loads it back.
    void editState(const std::function<void(juce::XmlElement&)>& edit);
    void loadState(const juce::File& file);
    void saveState(const juce::File& file);

private:
    juce::VST3PluginFormat format_;
    std::unique_ptr<juce::AudioPluginInstance> instance_;
    TestPlayHead playHead_;
    juce::AudioBuffer<float> audio_;
    int blockSize_;
};

}  // namespace testhost
