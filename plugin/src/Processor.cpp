#include "Processor.h"

#include "Editor.h"

namespace stepista {

Processor::Processor()
    : juce::AudioProcessor(BusesProperties().withOutput("Output", juce::AudioChannelSet::stereo(), true)),
      controller_(player_, sync_) {
    // The Standalone app has no host transport: it follows Link until a saved state says otherwise.
    if (wrapperType == wrapperType_Standalone)
        controller_.setSyncMode(SyncMode::Link);
}

Processor::~Processor() = default;

void Processor::prepareToPlay(double sampleRate, int) {
    sampleRate_ = sampleRate;
    midiOut_.prepare();
}

// No MIDI can leave from here; the note-offs go out at the start of the next block.
void Processor::releaseResources() { notesOffPending_.store(true); }

bool Processor::isBusesLayoutSupported(const BusesLayout& layouts) const {
    const auto out = layouts.getMainOutputChannelSet();
    return layouts.getMainInputChannelSet().isDisabled()
           && (out == juce::AudioChannelSet::stereo() || out == juce::AudioChannelSet::mono());
}

void Processor::processBlock(juce::AudioBuffer<float>& audio, juce::MidiBuffer& midi) {
    audio.clear();
    midiOut_.begin(midi);  // incoming MIDI is dropped: the pattern is the only source
    if (notesOffPending_.exchange(false))
        player_.allNotesOff(0, midiOut_);
    TransportSync::Plan plan;
    const int segments = sync_.planBlock(getPlayHead(), audio.getNumSamples(), sampleRate_, plan);
    for (int i = 0; i < segments; ++i) {
        midiOut_.setOffset(plan[size_t(i)].offset);
        player_.process(plan[size_t(i)].block, midiOut_);
    }
}

void Processor::processBlockBypassed(juce::AudioBuffer<float>& audio, juce::MidiBuffer& midi) {
    audio.clear();
    midiOut_.begin(midi);
    player_.allNotesOff(0, midiOut_);
}

juce::AudioProcessorEditor* Processor::createEditor() { return new Editor(*this); }

void Processor::getStateInformation(juce::MemoryBlock& destData) { controller_.save(destData); }

void Processor::setStateInformation(const void* data, int sizeInBytes) {
    controller_.restore(data, sizeInBytes);
}

}  // namespace stepista

juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter() { return new stepista::Processor(); }
