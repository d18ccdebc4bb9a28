// Writes the player's events into the host's MidiBuffer without allocating on the audio thread.
#pragma once

#include "Player.h"

#include <juce_audio_basics/juce_audio_basics.h>

#include <array>

namespace stepista {

class MidiOut final : public EventSink {
public:
    // prepareToPlay (not the audio thread): storage for a block's worst case. An event takes 9
    // bytes in a MidiBuffer (timestamp, size, 3 bytes).
    void prepare() {
        for (auto& slot : slots_) {
            slot.spare.ensureSize(size_t(capacityEvents) * 9);
            slot.host = nullptr;
        }
    }

    // Audio thread: the host's buffer, emptied. The host's buffer is usually small (the VST3
    // wrapper reserves 2 KB) and JUCE does not say how much it holds, so the first time a buffer
    // object is seen it trades storage with one prepared above (a swap: no allocation); the host
    // keeps reusing that buffer, and clear() keeps its storage.
    void begin(juce::MidiBuffer& hostBuffer) {
        hostBuffer.clear();
        for (auto& slot : slots_) {
            if (slot.host == &hostBuffer)
                break;
            if (slot.host == nullptr) {
                hostBuffer.swapWith(slot.spare);
                hostBuffer.clear();
                slot.host = &hostBuffer;
                break;
            }
        }
        buffer_ = &hostBuffer;
        offset_ = 0;
    }

    void setOffset(int offset) { offset_ = offset; }  // where the current segment starts

    void add(const MidiEvent& event) override {
        const juce::uint8 bytes[3] = {event.status, event.data1, event.data2};
        buffer_->addEvent(bytes, 3, offset_ + event.sampleOffset);
    }

private:
    // Two segments (a loop-region wrap) plus a release's note-offs.
    static constexpr int capacityEvents = 2 * Player::maxEventsPerBlock + Player::maxSounding;

    struct Slot final {
        juce::MidiBuffer spare;
        const juce::MidiBuffer* host = nullptr;
    };
    std::array<Slot, 2> slots_;  // hosts pass one buffer object, or alternate between two
    juce::MidiBuffer* buffer_ = nullptr;
    int offset_ = 0;
};

}  // namespace stepista
