// What an instance says: hello (to a pinger, and announced to 47800) and ack, sent from a socket
// bound to 127.0.0.1 so nothing leaves the machine.
#pragma once

#include <juce_osc/juce_osc.h>

#include <cstdint>

namespace stepista {

struct Hello final {
    juce::String id;
    juce::String name;
    int port = 0;
    uint32_t seq = 0;      // the clip playing now
    int sync = 0;          // SyncMode
    uint32_t dropped = 0;
    bool playing = false;  // the transport it follows is running
    uint32_t run = 0;      // drawn when the instance starts: a reloaded plugin has a new one
};

class Outbox final {
public:
    Outbox();

    bool hello(int toPort, const Hello& hello);
    bool ack(int toPort, const juce::String& id, uint32_t seq, bool accepted);

private:
    bool send(int toPort, const juce::OSCMessage& message);

    juce::DatagramSocket socket_;
    juce::OSCSender sender_;
    bool ready_ = false;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(Outbox)
};

}  // namespace stepista
