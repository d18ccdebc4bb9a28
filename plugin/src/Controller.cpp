#include "Controller.h"

#include "InstanceState.h"

namespace stepista {

Controller::Controller(Player& player, TransportSync& sync)
    : player_(player), sync_(sync), id_(InstanceState::makeId()),
      run_(uint32_t(juce::Random::getSystemRandom().nextInt(0x7ffffffe)) + 1u),
      inbox_([this](wire::Request&& request) { handle(std::move(request)); }) {
    {
        std::lock_guard<std::mutex> hold(lock_);
        helloTo(wire::announcePort);
    }
    startTimer(timerMs);
}

Controller::~Controller() {
    stopTimer();
    inbox_.stop();
    waitForMessageThread();
}

// The host may destroy the plugin from a thread that is not the message thread; a timer or request
// callback already running there must finish before the members it uses go. A thread holding the
// MessageManagerLock (JUCE's Linux VST3 wrapper deletes its components under it) has the message
// thread parked between messages already.
void Controller::waitForMessageThread() {
    auto* manager = juce::MessageManager::getInstanceWithoutCreating();
    if (manager == nullptr || manager->isThisTheMessageThread()
        || manager->currentThreadHasLockedMessageManager())
        return;
    auto passed = std::make_shared<juce::WaitableEvent>();
    if (juce::MessageManager::callAsync([passed] { passed->signal(); }))
        passed->wait(2000);
}

void Controller::handle(wire::Request&& request) {
    std::lock_guard<std::mutex> hold(lock_);
    switch (request.kind) {
        case wire::Kind::Ping: helloTo(request.replyPort); break;
        case wire::Kind::Clip: takeClip(std::move(request)); break;
        case wire::Kind::Clear: clear(request); break;
        case wire::Kind::Name:
            name_ = juce::String::fromUTF8(request.name.data(), int(request.name.size()));
            helloTo(wire::announcePort);
            break;
        case wire::Kind::Rejected: ackTo(request.replyPort, request.seq, false); break;
    }
}

// A clip whose seq is not newer (wrapping compare) than the last taken from its reply port is a
// re-send or a straggler: the same seq is acked as taken, an older one as refused.
void Controller::takeClip(wire::Request&& request) {
    const auto last = lastSeq_.find(request.replyPort);
    if (last != lastSeq_.end()) {
        const auto newer = int32_t(request.seq - last->second);
        if (newer <= 0) {
            ackTo(request.replyPort, request.seq, newer == 0);
            return;
        }
    }
    lastSeq_[request.replyPort] = request.seq;
    newestSeq_ = request.seq;
    tookAny_ = true;
    lastClip_ = std::make_unique<Clip>(*request.clip);
    lastQuantum_ = request.quantumTicks;
    submit(std::move(request.clip), request.start, request.quantumTicks);
    ackTo(request.replyPort, request.seq, true);
}

// A clear older (wrapping compare) than the newest clip or clear taken is a straggler: ignored,
// so a late clear never silences a newer clip. Clears have no ack.
void Controller::clear(const wire::Request& request) {
    if (tookAny_ && int32_t(request.seq - newestSeq_) < 0)
        return;
    newestSeq_ = request.seq;
    tookAny_ = true;
    lastClip_.reset();
    submit(nullptr, request.start, lastQuantum_);
}

void Controller::submit(std::unique_ptr<Clip> clip, StartRule rule, int32_t quantumTicks) {
    Change change;
    change.clip = std::move(clip);
    change.rule = rule;
    change.quantumTicks = quantumTicks;
    player_.submit(std::move(change));
}

void Controller::helloTo(int port) {
    Hello hello;
    hello.id = id_;
    hello.name = displayName();
    hello.port = inbox_.port();
    hello.seq = player_.playingSeq();
    hello.sync = int(sync_.mode());
    hello.dropped = inbox_.dropped();
    hello.playing = player_.transportRunning();
    hello.run = run_;
    if (hello.port != 0 && outbox_.hello(port, hello))
        lastHello_ = juce::Time::getCurrentTime();
}

void Controller::ackTo(int port, uint32_t seq, bool accepted) {
    if (port != 0 && outbox_.ack(port, id_, seq, accepted))
        lastAck_ = juce::Time::getCurrentTime();
}

juce::String Controller::displayName() const {
    if (name_.isNotEmpty())
        return name_;
    const int port = inbox_.port();
    return port == 0 ? juce::String("Stepista") : "Stepista " + juce::String(port - wire::announcePort);
}

void Controller::timerCallback() {
    std::lock_guard<std::mutex> hold(lock_);
    player_.collectGarbage();
    if (++ticks_ % announceEvery == 0)
        helloTo(wire::announcePort);
}

void Controller::save(juce::MemoryBlock& into) const {
    std::lock_guard<std::mutex> hold(lock_);
    InstanceState state;
    state.id = id_;
    state.name = name_;
    state.sync = int(sync_.mode());
    if (lastClip_ != nullptr)
        state.clip = std::make_unique<Clip>(*lastClip_);
    saveState(state, into);
}

void Controller::restore(const void* data, int size) {
    InstanceState state;
    if (!loadState(data, size, state))
        return;
    std::lock_guard<std::mutex> hold(lock_);
    id_ = state.id;
    name_ = state.name;
    sync_.setMode(SyncMode(state.sync));
    lastSeq_.clear();
    tookAny_ = false;
    lastClip_ = state.clip != nullptr ? std::make_unique<Clip>(*state.clip) : nullptr;
    lastQuantum_ = state.clip != nullptr ? state.clip->loopTicks : 1;
    submit(std::move(state.clip), StartRule::Now, lastQuantum_);
    helloTo(wire::announcePort);
}

void Controller::rename(const juce::String& name) {
    const auto trimmed = name.trim();
    std::lock_guard<std::mutex> hold(lock_);
    if (trimmed.isNotEmpty() && !wire::isValidName(trimmed.toStdString()))
        return;
    name_ = trimmed;
    helloTo(wire::announcePort);
}

void Controller::setSyncMode(SyncMode mode) {
    std::lock_guard<std::mutex> hold(lock_);
    sync_.setMode(mode);
}

Controller::Status Controller::status() const {
    std::lock_guard<std::mutex> hold(lock_);
    Status status;
    status.port = inbox_.port();
    status.dropped = inbox_.dropped();
    status.id = id_;
    status.name = displayName();
    status.sync = sync_.mode();
    status.linkPeers = sync_.linkPeers();
    status.lastHello = lastHello_;
    status.lastAck = lastAck_;
    return status;
}

std::shared_ptr<const Clip> Controller::playingClip() const {
    std::lock_guard<std::mutex> hold(lock_);
    return player_.snapshot();
}

}  // namespace stepista
