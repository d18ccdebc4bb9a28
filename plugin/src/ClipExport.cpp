#include "ClipExport.h"

#include <juce_audio_basics/juce_audio_basics.h>

namespace stepista {
namespace {

juce::MidiMessageSequence sequenceOf(const Clip& clip) {
    const double scale = double(midiFileTicksPerQuarter) / clip.tpq;
    const double loopEnd = clip.loopTicks * scale;
    juce::MidiMessageSequence track;
    for (const auto& note : clip.notes) {
        const double on = note.start * scale;
        // One loop in a file: a note that wraps ends at the loop's end instead.
        const double off = std::min(double(note.start + note.duration) * scale, loopEnd);
        track.addEvent(juce::MidiMessage::noteOn(clip.channel, note.pitch, juce::uint8(note.velocity)), on);
        track.addEvent(juce::MidiMessage::noteOff(clip.channel, note.pitch), off);
    }
    track.updateMatchedPairs();
    track.addEvent(juce::MidiMessage::endOfTrack(), loopEnd);
    return track;
}

}  // namespace

juce::File writeClipMidiFile(const Clip& clip, const juce::String& instanceName) {
    juce::MidiFile file;
    file.setTicksPerQuarterNote(midiFileTicksPerQuarter);
    file.addTrack(sequenceOf(clip));
    const auto name = juce::File::createLegalFileName(instanceName + " clip " + juce::String(clip.seq) + ".mid");
    auto target = juce::File::getSpecialLocation(juce::File::tempDirectory).getChildFile(name);
    juce::FileOutputStream out(target);
    if (!out.openedOk() || !out.setPosition(0) || !out.truncate().wasOk() || !file.writeTo(out))
        return {};
    return target;
}

}  // namespace stepista
