#include "Editor.h"

#include "ClipExport.h"

namespace stepista {
namespace {

juce::String ago(juce::Time when) {
    if (when.toMilliseconds() == 0)
        return "never";
    const auto seconds = (juce::Time::getCurrentTime() - when).inSeconds();
    return juce::String(seconds, 1) + " s ago";
}

}  // namespace

void DragHandle::paint(juce::Graphics& g) {
    g.setColour(juce::Colour(0xff3a3f4b));
    g.fillRoundedRectangle(getLocalBounds().toFloat().reduced(1.0f), 4.0f);
    g.setColour(juce::Colours::white);
    g.drawText("drag MIDI", getLocalBounds(), juce::Justification::centred);
}

void DragHandle::mouseDrag(const juce::MouseEvent& event) {
    if (dragging_ || event.getDistanceFromDragStart() < 4)
        return;
    const auto clip = controller_.playingClip();
    if (clip == nullptr)
        return;
    const auto file = writeClipMidiFile(*clip, controller_.status().name);
    if (!file.existsAsFile())
        return;
    dragging_ = true;
    juce::DragAndDropContainer::performExternalDragDropOfFiles({file.getFullPathName()}, false, this,
                                                               [this] { dragging_ = false; });
}

Editor::Editor(Processor& owner)
    : juce::AudioProcessorEditor(owner), processor_(owner), handle_(owner.controller()) {
    status_.setFont(juce::Font(13.0f));
    name_.setTextToShowWhenEmpty("instance name", juce::Colours::grey);
    name_.setInputRestrictions(64);
    name_.onReturnKey = [this] { commitName(); };
    name_.onFocusLost = [this] { commitName(); };
    sync_.addItemList({"Host transport", "Ableton Link", "Host, else Link"}, 1);
    sync_.onChange = [this] {
        processor_.controller().setSyncMode(SyncMode(sync_.getSelectedItemIndex()));
    };
    for (auto* child : std::initializer_list<juce::Component*>{&status_, &name_, &sync_, &roll_, &handle_})
        addAndMakeVisible(child);
    const auto status = owner.controller().status();
    name_.setText(status.name, false);
    sync_.setSelectedItemIndex(int(status.sync), juce::dontSendNotification);
    showStatus(status);
    setSize(520, 320);
    startTimerHz(frameHz);
}

Editor::~Editor() { stopTimer(); }

void Editor::paint(juce::Graphics& g) { g.fillAll(juce::Colour(0xff111317)); }

void Editor::resized() {
    auto area = getLocalBounds().reduced(8);
    auto top = area.removeFromTop(26);
    sync_.setBounds(top.removeFromRight(150));
    top.removeFromRight(8);
    name_.setBounds(top);
    area.removeFromTop(6);
    auto bottom = area.removeFromBottom(26);
    handle_.setBounds(bottom.removeFromRight(90));
    status_.setBounds(bottom);
    area.removeFromBottom(6);
    roll_.setBounds(area);
}

void Editor::showStatus(const Controller::Status& status) {
    juce::String text = status.port == 0
        ? "no free port in 47801-47864: playing the saved clip only"
        : "port " + juce::String(status.port) + "  id " + status.id;
    text << "  hello " << ago(status.lastHello) << "  ack " << ago(status.lastAck)
         << "  dropped " << juce::String(status.dropped);
    if (status.sync != SyncMode::Host)
        text << "  Link peers " << status.linkPeers;
    status_.setText(text, juce::dontSendNotification);
}

void Editor::commitName() {
    processor_.controller().rename(name_.getText());
    name_.setText(processor_.controller().status().name, false);
}

void Editor::timerCallback() {
    const auto status = processor_.controller().status();
    showStatus(status);
    if (!name_.hasKeyboardFocus(true))
        name_.setText(status.name, false);
    roll_.setClip(processor_.controller().playingClip());
    roll_.setPlayhead(processor_.player().loopPosition());
}

}  // namespace stepista
