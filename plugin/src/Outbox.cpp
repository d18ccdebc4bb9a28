#include "Outbox.h"

#include "Wire.h"

#include <limits>

namespace stepista {
namespace {

int32_t wireInt(uint32_t value) { return int32_t(value); }  // seq wraps; the wire carries bits

int32_t saturated(uint32_t count) {
    return int32_t(std::min<uint32_t>(count, uint32_t(std::numeric_limits<int32_t>::max())));
}

}  // namespace

Outbox::Outbox() : socket_(false) {
    ready_ = socket_.bindToPort(0, "127.0.0.1")
             && sender_.connectToSocket(socket_, "127.0.0.1", wire::announcePort);
}

bool Outbox::hello(int toPort, const Hello& h) {
    juce::OSCMessage message("/stepista/hello");
    message.addString(h.id);
    message.addString(h.name);
    message.addInt32(h.port);
    message.addInt32(wire::protocolVersion);
    message.addInt32(wireInt(h.seq));
    message.addInt32(h.sync);
    message.addInt32(saturated(h.dropped));
    message.addInt32(h.playing ? 1 : 0);
    message.addInt32(wireInt(h.run));
    return send(toPort, message);
}

bool Outbox::ack(int toPort, const juce::String& id, uint32_t seq, bool accepted) {
    juce::OSCMessage message("/stepista/ack");
    message.addString(id);
    message.addInt32(wireInt(seq));
    message.addInt32(accepted ? 1 : 0);
    return send(toPort, message);
}

bool Outbox::send(int toPort, const juce::OSCMessage& message) {
    return ready_ && sender_.sendToIPAddress("127.0.0.1", toPort, message);
}

}  // namespace stepista
