#include "PianoRoll.h"

namespace stepista {

void PianoRoll::setClip(std::shared_ptr<const Clip> clip) {
    if (clip == clip_)
        return;
    clip_ = std::move(clip);
    repaint();
}

void PianoRoll::setPlayhead(double loopBeats) {
    if (loopBeats == playhead_)
        return;
    repaint(playheadColumn());
    playhead_ = loopBeats;
    repaint(playheadColumn());
}

float PianoRoll::xAtTick(double tick) const {
    return clip_ == nullptr ? 0.0f : float(tick / clip_->loopTicks * getWidth());
}

juce::Rectangle<int> PianoRoll::playheadColumn() const {
    if (clip_ == nullptr)
        return {};
    const auto x = int(xAtTick(playhead_ * clip_->tpq));
    return {x - 1, 0, 3, getHeight()};
}

// A note that runs past the loop's end is drawn in two parts: its tail wraps to the start.
void PianoRoll::paintNote(juce::Graphics& g, const Note& note, int lowest, float rowHeight) const {
    const float y = getHeight() - (note.pitch - lowest + 1) * rowHeight;
    const double end = double(note.start) + note.duration;
    const double firstEnd = std::min(end, double(clip_->loopTicks));
    g.setColour(juce::Colour::fromHSV(0.55f, 0.6f, 0.5f + note.velocity / 254.0f, 1.0f));
    g.fillRect(xAtTick(note.start), y, std::max(1.0f, xAtTick(firstEnd) - xAtTick(note.start)), rowHeight);
    if (end > clip_->loopTicks)
        g.fillRect(0.0f, y, xAtTick(end - clip_->loopTicks), rowHeight);
}

void PianoRoll::paint(juce::Graphics& g) {
    g.fillAll(juce::Colour(0xff1b1d22));
    if (clip_ == nullptr || clip_->notes.empty()) {
        g.setColour(juce::Colours::grey);
        g.drawText(clip_ == nullptr ? "no clip" : "silence", getLocalBounds(), juce::Justification::centred);
        return;
    }
    int lowest = 127, highest = 0;
    for (const auto& note : clip_->notes) {
        lowest = std::min<int>(lowest, note.pitch);
        highest = std::max<int>(highest, note.pitch);
    }
    const float rowHeight = float(getHeight()) / float(highest - lowest + 1);
    g.setColour(juce::Colour(0xff2a2d35));
    for (double beat = 0; beat < clip_->loopBeats(); beat += 1.0)  // beat lines
        g.drawVerticalLine(int(xAtTick(beat * clip_->tpq)), 0.0f, float(getHeight()));
    for (const auto& note : clip_->notes)
        paintNote(g, note, lowest, rowHeight);
    g.setColour(juce::Colours::white);
    g.fillRect(playheadColumn().withSizeKeepingCentre(1, getHeight()));
}

}  // namespace stepista
