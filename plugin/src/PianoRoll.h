// A small piano roll of the clip playing now, with the playhead. Only the playhead's old and new
// columns are repainted per frame; the notes are redrawn when the clip changes.
#pragma once

#include "Player.h"

#include <juce_gui_basics/juce_gui_basics.h>

#include <memory>

namespace stepista {

class PianoRoll final : public juce::Component {
public:
    PianoRoll() = default;

    void setClip(std::shared_ptr<const Clip> clip);
    void setPlayhead(double loopBeats);  // the position in the loop, in beats

    void paint(juce::Graphics& g) override;

private:
    float xAtTick(double tick) const;
    juce::Rectangle<int> playheadColumn() const;
    void paintNote(juce::Graphics& g, const Note& note, int lowest, float rowHeight) const;

    std::shared_ptr<const Clip> clip_;
    double playhead_ = 0.0;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(PianoRoll)
};

}  // namespace stepista
