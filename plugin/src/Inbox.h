// The instance's port: a UDP socket bound to 127.0.0.1 (first free port in 47801-47864), read on
// its own thread. Each datagram is parsed there (wire::parse), bad ones are counted, and the rest
// reach the message thread in arrival order through `onRequest`.
//
// Why not juce::OSCReceiver: its parser reads a blob whose declared size runs past the datagram's
// end as the bytes that are there, so a truncated clip would arrive as a shorter valid clip, and
// its listeners never see the datagram's size (PROTOCOL.md drops anything over 65,000 bytes).
#pragma once

#include "Wire.h"

#include <juce_core/juce_core.h>
#include <juce_events/juce_events.h>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

namespace stepista {

class Inbox final : private juce::Thread, private juce::AsyncUpdater {
public:
    using Handler = std::function<void(wire::Request&&)>;

    // Binds the first free port and starts listening; `onRequest` runs on the message thread.
    explicit Inbox(Handler onRequest);
    ~Inbox() override;

    void stop();  // stops receiving and delivering (also done by the destructor)

    int port() const { return port_; }  // 0 when every port in the range was taken
    uint32_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

private:
    static constexpr size_t maxQueued = 256;

    void run() override;
    void handleAsyncUpdate() override;
    void receive(const uint8_t* data, size_t size);
    void drop() { dropped_.fetch_add(1, std::memory_order_relaxed); }

    juce::DatagramSocket socket_;
    Handler onRequest_;
    int port_ = 0;
    std::atomic<uint32_t> dropped_{0};
    std::vector<uint8_t> buffer_;
    std::mutex queueLock_;  // receive thread <-> message thread; never the audio thread
    std::deque<wire::Request> queue_;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(Inbox)
};

}  // namespace stepista
