// The instance's non-realtime side: takes requests from the Inbox, checks each clip's seq against
// the last one from the same reply port, hands clips to the Player, answers with hello and ack,
// announces itself every 2 s, and saves and restores the instance's state.
//
// Threads: requests and the timer run on the message thread; the host may call save/restore from
// its own thread (on Linux a JUCE plugin's message thread is its own until an editor opens), so
// everything here, and every call into the Player other than process(), holds `lock_`. The audio
// thread never touches it.
#pragma once

#include "Inbox.h"
#include "Outbox.h"
#include "Player.h"
#include "TransportSync.h"

#include <map>
#include <memory>
#include <mutex>

namespace stepista {

class Controller final : private juce::Timer {
public:
    struct Status final {
        int port = 0;               // 0: no free port, the instance plays its saved clip only
        uint32_t dropped = 0;
        juce::String id, name;
        SyncMode sync = SyncMode::Host;
        int linkPeers = 0;
        juce::Time lastHello, lastAck;  // when they were last sent (0: never)
    };

    Controller(Player& player, TransportSync& sync);
    ~Controller() override;

    void save(juce::MemoryBlock& into) const;
    void restore(const void* data, int size);  // the saved clip starts at once (StartRule::Now)

    void rename(const juce::String& name);      // empty: back to the default; announces
    void setSyncMode(SyncMode mode);
    Status status() const;
    std::shared_ptr<const Clip> playingClip() const;

private:
    static constexpr int timerMs = 100;
    static constexpr int announceEvery = 20;  // timer ticks: 2 s

    void handle(wire::Request&& request);
    void takeClip(wire::Request&& request);
    void clear(const wire::Request& request);
    void submit(std::unique_ptr<Clip> clip, StartRule rule, int32_t quantumTicks);
    void helloTo(int port);
    void ackTo(int port, uint32_t seq, bool accepted);
    juce::String displayName() const;
    void timerCallback() override;
    void waitForMessageThread();

    Player& player_;
    TransportSync& sync_;
    mutable std::mutex lock_;
    juce::String id_, name_;
    const uint32_t run_;  // hello's `run`: 1..2^31-1, drawn once per instance
    std::unique_ptr<Clip> lastClip_;  // a copy of the last clip taken: what a saved project plays
    int32_t lastQuantum_ = 1;
    std::map<int, uint32_t> lastSeq_;  // by reply port
    uint32_t newestSeq_ = 0;           // of the last clip or clear taken, from any port
    bool tookAny_ = false;
    juce::Time lastHello_, lastAck_;
    int ticks_ = 0;
    Outbox outbox_;
    Inbox inbox_;  // last: it is built when everything it calls exists

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(Controller)
};

}  // namespace stepista
