#include "HostedPlugin.h"

#include <stdexcept>

namespace testhost {

HostedPlugin::HostedPlugin(const juce::String& bundlePath, double sampleRate, int blockSize)
    : blockSize_(blockSize) {
    juce::OwnedArray<juce::PluginDescription> types;
    format_.findAllTypesForFile(types, bundlePath);
    if (types.isEmpty())
        throw std::runtime_error("no VST3 plugin in " + bundlePath.toStdString());
    juce::String error;
    instance_ = format_.createInstanceFromDescription(*types[0], sampleRate, blockSize, error);
    if (instance_ == nullptr)
        throw std::runtime_error("could not load " + bundlePath.toStdString() + ": " + error.toStdString());
    instance_->enableAllBuses();
    instance_->setPlayHead(&playHead_);
    instance_->setRateAndBufferSizeDetails(sampleRate, blockSize);
    instance_->prepareToPlay(sampleRate, blockSize);
    playHead_.sampleRate = sampleRate;
    const int channels = std::max(instance_->getTotalNumInputChannels(), instance_->getTotalNumOutputChannels());
    audio_.setSize(std::max(1, channels), blockSize);
}

HostedPlugin::~HostedPlugin() {
    if (instance_ != nullptr) {
        instance_->releaseResources();
        instance_->setPlayHead(nullptr);
    }
}

void HostedPlugin::process(int numSamples, juce::MidiBuffer& midi) {
    midi.clear();
    juce::AudioBuffer<float> block(audio_.getArrayOfWritePointers(), audio_.getNumChannels(), numSamples);
    instance_->processBlock(block, midi);
    playHead_.advance(numSamples);
}

// The host's state wraps the plugin's: <VST3PluginState><IComponent>base64</IComponent>..., and
// the component's bytes are the plugin's own getStateInformation (XML in JUCE's binary wrapper),
// followed by the VST3 wrapper's private data.
namespace {

struct Wrapped final {
    std::unique_ptr<juce::XmlElement> outer, plugin;
    juce::MemoryBlock component;
};

Wrapped unwrap(juce::AudioPluginInstance& instance) {
    Wrapped w;
    juce::MemoryBlock state;
    instance.getStateInformation(state);
    w.outer = juce::AudioProcessor::getXmlFromBinary(state.getData(), int(state.getSize()));
    const auto* part = w.outer != nullptr ? w.outer->getChildByName("IComponent") : nullptr;
    if (part != nullptr && w.component.fromBase64Encoding(part->getAllSubText()))
        w.plugin = juce::AudioProcessor::getXmlFromBinary(w.component.getData(), int(w.component.getSize()));
    return w;
}

}  // namespace

juce::String HostedPlugin::instanceId() {
    const auto w = unwrap(*instance_);
    return w.plugin != nullptr ? w.plugin->getStringAttribute("id") : juce::String();
}

void HostedPlugin::editState(const std::function<void(juce::XmlElement&)>& edit) {
    auto w = unwrap(*instance_);
    if (w.plugin == nullptr)
        throw std::runtime_error("the plugin's state is not readable");
    // JUCE's XML block: magic, length, the XML, a terminating zero; the wrapper's data follows.
    const auto headerAndXml = size_t(8 + juce::ByteOrder::littleEndianInt(
                                            static_cast<const char*>(w.component.getData()) + 4) + 1);
    edit(*w.plugin);
    juce::MemoryBlock component;
    juce::AudioProcessor::copyXmlToBinary(*w.plugin, component);
    component.append(static_cast<const char*>(w.component.getData()) + headerAndXml,
                     w.component.getSize() - headerAndXml);
    auto* part = w.outer->getChildByName("IComponent");
    part->deleteAllTextElements();
    part->addTextElement(component.toBase64Encoding());
    juce::MemoryBlock state;
    juce::AudioProcessor::copyXmlToBinary(*w.outer, state);
    instance_->setStateInformation(state.getData(), int(state.getSize()));
}

void HostedPlugin::loadState(const juce::File& file) {
    juce::MemoryBlock state;
    if (!file.loadFileAsData(state))
        throw std::runtime_error("cannot read " + file.getFullPathName().toStdString());
    instance_->setStateInformation(state.getData(), int(state.getSize()));
}

void HostedPlugin::saveState(const juce::File& file) {
    juce::MemoryBlock state;
    instance_->getStateInformation(state);
    if (!file.replaceWithData(state.getData(), state.getSize()))
        throw std::runtime_error("cannot write " + file.getFullPathName().toStdString());
}

}  // namespace testhost
