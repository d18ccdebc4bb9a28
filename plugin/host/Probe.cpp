#include "Probe.h"

#include "Json.h"

namespace testhost {
namespace {

bool hasTypes(const juce::OSCMessage& message, const char* types) {
    if (message.size() < int(std::strlen(types)))
        return false;
    for (int i = 0; types[i] != 0; ++i)
        if (message[i].getType() != juce::OSCType(types[i]))
            return false;
    return true;
}

}  // namespace

juce::String HelloInfo::json() const {
    return "{\"id\":" + quoted(id) + ",\"name\":" + quoted(name) + ",\"port\":" + juce::String(port)
           + ",\"protocol\":" + juce::String(protocol) + ",\"seq\":" + juce::String(seq)
           + ",\"sync\":" + juce::String(sync) + ",\"dropped\":" + juce::String(dropped)
           + ",\"playing\":" + juce::String(playing) + ",\"run\":" + juce::String(run) + "}";
}

Probe::Probe() : socket_(false) {
    if (socket_.bindToPort(0, "127.0.0.1")) {
        port_ = socket_.getBoundPort();
        receiver_.addListener(this);
        receiver_.connectToSocket(socket_);
        sender_.connectToSocket(socket_, "127.0.0.1", 47800);
    }
}

Probe::~Probe() {
    receiver_.disconnect();
    receiver_.removeListener(this);
}

void Probe::ping(int instancePort) { send(instancePort, juce::OSCMessage("/stepista/ping", port_)); }

void Probe::send(int instancePort, const juce::OSCMessage& message) {
    sender_.sendToIPAddress("127.0.0.1", instancePort, message);
}

void Probe::oscMessageReceived(const juce::OSCMessage& message) {
    const auto address = message.getAddressPattern().toString();
    std::lock_guard<std::mutex> hold(lock_);
    if (address == "/stepista/hello" && hasTypes(message, "ssiiiiii")) {
        HelloInfo h;
        h.id = message[0].getString();
        h.name = message[1].getString();
        int* fields[] = {&h.port, &h.protocol, &h.seq, &h.sync, &h.dropped, &h.playing};
        for (int i = 0; i < 6; ++i)
            *fields[i] = message[i + 2].getInt32();
        if (message.size() > 8 && message[8].isInt32())
            h.run = message[8].getInt32();
        hellos_.push_back(h);
    } else if (address == "/stepista/ack" && hasTypes(message, "sii")) {
        acks_.push_back({message[0].getString(), message[1].getInt32(), message[2].getInt32()});
    }
    arrived_.notify_all();
}

std::optional<HelloInfo> Probe::waitHello(const juce::String& id, int timeoutMs,
                                          const std::function<bool(const HelloInfo&)>& wanted) {
    std::unique_lock<std::mutex> hold(lock_);
    std::optional<HelloInfo> found;
    arrived_.wait_for(hold, std::chrono::milliseconds(timeoutMs), [&] {
        for (auto h = hellos_.rbegin(); h != hellos_.rend(); ++h)
            if (h->id == id && wanted(*h)) {
                found = *h;
                return true;
            }
        return false;
    });
    return found;
}

std::optional<AckInfo> Probe::waitAck(int seq, int timeoutMs) {
    std::unique_lock<std::mutex> hold(lock_);
    std::optional<AckInfo> found;
    arrived_.wait_for(hold, std::chrono::milliseconds(timeoutMs), [&] {
        for (const auto& ack : acks_)
            if (ack.seq == seq)
                found = ack;
        return found.has_value();
    });
    return found;
}

void Probe::forget() {
    std::lock_guard<std::mutex> hold(lock_);
    hellos_.clear();
    acks_.clear();
}

int Probe::findInstance(const juce::String& id, int timeoutMs) {
    for (int port = 47801; port <= 47864; ++port)
        ping(port);
    const auto hello = waitHello(id, timeoutMs, [](const HelloInfo&) { return true; });
    return hello ? hello->port : 0;
}

}  // namespace testhost
