// The player's message-thread side: handing changes over, taking finished clips back, and the
// copies snapshot() returns. The audio side is PlayerAudio.cpp.
#include "Player.h"

#include <algorithm>

#include "PlayerImpl.h"

namespace stepista {

static_assert(Player::maxSounding == SoundingNotes::capacity, "one table size");

Player::Player() : impl_(std::make_unique<Impl>(*this)) {}

Player::~Player() = default;

Player::Impl::~Impl() {
    // No audio thread runs any more: everything still out there is ours to free.
    delete pending.exchange(nullptr);
    delete held;
    delete current;
    for (int i = 0; i < overflowCount; ++i) delete overflow[std::size_t(i)];
    while (Submitted* done = retired.pop()) delete done;
}

void Player::Impl::forgetCopy(uint64_t generation) {
    std::lock_guard<std::mutex> lock(copiesMutex);
    copies.erase(std::remove_if(copies.begin(), copies.end(),
                                [&](const auto& copy) { return copy.first == generation; }),
                 copies.end());
}

bool Player::submit(Change change) {
    // The audio thread trusts what it is given (a zero tpq or loop would divide by zero there),
    // so nothing invalid gets past this point; and it walks notes in order.
    if (change.clip) {
        if (!validate(*change.clip, nullptr)) return false;
        change.clip->sort();
    }
    auto item = std::make_unique<Submitted>();
    item->change = std::move(change);
    std::shared_ptr<const Clip> copy;
    if (item->change.clip) copy = std::make_shared<const Clip>(*item->change.clip);
    {
        std::lock_guard<std::mutex> lock(impl_->copiesMutex);
        item->generation = impl_->nextGeneration++;
        impl_->copies.emplace_back(item->generation, std::move(copy));
    }
    // acq_rel: publishes the new change, and makes the one it replaces (never seen by the audio
    // thread, or the exchange would have returned null) safe to free here.
    Submitted* replaced = impl_->pending.exchange(item.release(), std::memory_order_acq_rel);
    if (replaced != nullptr) {
        impl_->forgetCopy(replaced->generation);
        delete replaced;
    }
    return true;
}

void Player::collectGarbage() {
    // Everything in the ring is done with: a clip that was replaced, or one superseded while it
    // waited for its boundary. Neither is the one playing, so its copy goes too.
    while (Submitted* done = impl_->retired.pop()) {
        impl_->forgetCopy(done->generation);
        delete done;
    }
}

std::shared_ptr<const Clip> Player::snapshot() const {
    std::lock_guard<std::mutex> lock(impl_->copiesMutex);
    // Read under the lock: collectGarbage() forgets a copy only after the audio thread has
    // published the generation that replaced it, so the one read here is still in the list.
    const uint64_t generation = impl_->playingGeneration.load(std::memory_order_acquire);
    for (const auto& copy : impl_->copies)
        if (copy.first == generation) return copy.second;
    return nullptr;
}

void Player::process(const Block& block, EventSink& out) { impl_->process(block, out); }

void Player::allNotesOff(int sampleOffset, EventSink& out) { impl_->allNotesOff(sampleOffset, out); }

}  // namespace stepista
