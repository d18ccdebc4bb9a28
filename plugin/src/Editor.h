// The instance's window: connection status, its name (editable), sync mode, the clip as a piano
// roll with the playhead, and a handle that drags the clip out as a MIDI file.
#pragma once

#include "PianoRoll.h"
#include "Processor.h"

#include <juce_audio_processors/juce_audio_processors.h>

namespace stepista {

// Dragging it writes the clip playing now to a .mid and hands that file to the DAW.
class DragHandle final : public juce::Component {
public:
    explicit DragHandle(Controller& controller) : controller_(controller) {}
    void paint(juce::Graphics& g) override;
    void mouseDrag(const juce::MouseEvent& event) override;
    void mouseUp(const juce::MouseEvent&) override { dragging_ = false; }

private:
    Controller& controller_;
    bool dragging_ = false;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(DragHandle)
};

class Editor final : public juce::AudioProcessorEditor,
                     public juce::DragAndDropContainer,
                     private juce::Timer {
public:
    explicit Editor(Processor& processor);
    ~Editor() override;

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    static constexpr int frameHz = 30;

    void timerCallback() override;
    void showStatus(const Controller::Status& status);
    void commitName();

    Processor& processor_;
    juce::Label status_;
    juce::TextEditor name_;
    juce::ComboBox sync_;
    PianoRoll roll_;
    DragHandle handle_;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(Editor)
};

}  // namespace stepista
