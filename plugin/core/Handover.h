// The lock-free way clips travel between the message thread and the audio thread.
//
// Forward: one atomic pointer (submit() exchanges a new Submitted in; the audio thread exchanges
// it out). Back: a single-producer single-consumer ring of Submitted the audio thread has
// finished with, which the message thread frees. Neither side ever waits for the other.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "Player.h"

namespace stepista {

// A Change as it crosses threads, with the number submit() gave it (snapshot() finds the copy
// of the clip playing by this number, not by the sender's seq, which two senders may share).
struct Submitted final {
    Change change;
    uint64_t generation = 0;
};

template <int Slots>
class RetireRing final {
public:
    static_assert(Slots > 0 && (Slots & (Slots - 1)) == 0, "a power of two keeps the wrap exact");

    // Audio thread.
    int freeSlots() const {
        return Slots - int(head_.load(std::memory_order_relaxed) - tail_.load(std::memory_order_acquire));
    }
    bool push(Submitted* item) {
        const uint32_t head = head_.load(std::memory_order_relaxed);
        if (head - tail_.load(std::memory_order_acquire) == uint32_t(Slots)) return false;
        slots_[head & (Slots - 1)] = item;
        head_.store(head + 1, std::memory_order_release);
        return true;
    }

    // Message thread (and the destructor): the oldest retired item, or null.
    Submitted* pop() {
        const uint32_t tail = tail_.load(std::memory_order_relaxed);
        if (tail == head_.load(std::memory_order_acquire)) return nullptr;
        Submitted* item = slots_[tail & (Slots - 1)];
        tail_.store(tail + 1, std::memory_order_release);
        return item;
    }

private:
    std::array<Submitted*, std::size_t(Slots)> slots_{};
    std::atomic<uint32_t> head_{0};  // written by the audio thread
    std::atomic<uint32_t> tail_{0};  // written by the message thread
};

}  // namespace stepista
