// The test host's side of the protocol: a socket on 127.0.0.1 that pings instances, sends clips,
// and collects the hellos and acks that come back (on JUCE's OSC thread, so the host's message
// loop need not run).
#pragma once

#include <juce_osc/juce_osc.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace testhost {

struct HelloInfo final {
    juce::String id, name;
    int port = 0, protocol = 0, seq = 0, sync = 0, dropped = 0, playing = 0;
    int run = 0;  // 0 from an instance that does not send it
    juce::String json() const;
};

struct AckInfo final {
    juce::String id;
    int seq = 0, accepted = 0;
};

class Probe final : private juce::OSCReceiver::Listener<juce::OSCReceiver::RealtimeCallback> {
public:
    Probe();
    ~Probe() override;

    int port() const { return port_; }
    void ping(int instancePort);
    void send(int instancePort, const juce::OSCMessage& message);

    // The newest hello from the instance with this id, waiting up to timeoutMs for one that
    // satisfies `wanted`.
    std::optional<HelloInfo> waitHello(const juce::String& id, int timeoutMs,
                                       const std::function<bool(const HelloInfo&)>& wanted);
    std::optional<AckInfo> waitAck(int seq, int timeoutMs);

    // Pings every port in 47801-47864 and returns the one whose hello carries `id` (0: none).
    int findInstance(const juce::String& id, int timeoutMs);
    void forget();  // drops the hellos and acks received so far

private:
    void oscMessageReceived(const juce::OSCMessage& message) override;

    juce::DatagramSocket socket_;
    juce::OSCReceiver receiver_;
    juce::OSCSender sender_;
    int port_ = 0;
    std::mutex lock_;
    std::condition_variable arrived_;
    std::vector<HelloInfo> hellos_;
    std::vector<AckInfo> acks_;
};

}  // namespace testhost
