#include "Inbox.h"

namespace stepista {
namespace {

// JUCE's DatagramSocket sets SO_REUSEADDR, which on Linux lets a second socket bind the same UDP
// port: two instances would share one. Turning it off makes "first free port" mean free.
int bindFirstFree(juce::DatagramSocket& socket) {
    socket.setEnablePortReuse(false);
    for (int port = wire::firstPort; port <= wire::lastPort; ++port)
        if (socket.bindToPort(port, "127.0.0.1"))
            return port;
    return 0;
}

}  // namespace

Inbox::Inbox(Handler onRequest)
    : juce::Thread("Stepista OSC"), socket_(false), onRequest_(std::move(onRequest)),
      buffer_(65536) {
    port_ = bindFirstFree(socket_);
    if (port_ != 0)
        startThread();
}

Inbox::~Inbox() { stop(); }

void Inbox::stop() {
    signalThreadShouldExit();
    stopThread(2000);
    cancelPendingUpdate();
}

void Inbox::run() {
    while (!threadShouldExit()) {
        const int ready = socket_.waitUntilReady(true, 100);
        if (ready < 0)
            return;
        if (ready == 0)
            continue;
        // One read takes one datagram; the buffer is larger than any UDP payload, so a datagram
        // is never cut short and its size is exact.
        const int size = socket_.read(buffer_.data(), int(buffer_.size()), false);
        if (size >= 0)
            receive(buffer_.data(), size_t(size));
    }
}

void Inbox::receive(const uint8_t* data, size_t size) {
    auto request = wire::parse(data, size);
    const bool wantsAck = request.kind == wire::Kind::Rejected && request.replyPort != 0;
    if (request.kind == wire::Kind::Rejected)
        drop();
    if (request.kind == wire::Kind::Rejected && !wantsAck)
        return;
    {
        std::lock_guard<std::mutex> hold(queueLock_);
        if (queue_.size() >= maxQueued) {
            if (!wantsAck)
                drop();  // the message thread is behind: shed load, counted
            return;
        }
        queue_.push_back(std::move(request));
    }
    triggerAsyncUpdate();
}

void Inbox::handleAsyncUpdate() {
    std::deque<wire::Request> ready;
    {
        std::lock_guard<std::mutex> hold(queueLock_);
        ready.swap(queue_);
    }
    for (auto& request : ready)
        onRequest_(std::move(request));
}

}  // namespace stepista
