// The protocol's messages (PROTOCOL.md) as read from one datagram. No JUCE: strict, bounds-checked
// parsing of untrusted bytes, run on the receive thread; every range the protocol names is checked
// here, so a Request that is not Rejected can be acted on as it is.
#pragma once

#include "Player.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace stepista::wire {

constexpr size_t maxDatagram = 65000;
constexpr int noteBytes = 16;
constexpr int announcePort = 47800;
constexpr int firstPort = 47801;
constexpr int lastPort = 47864;
constexpr int protocolVersion = 1;
constexpr size_t maxNameBytes = 64;

enum class Kind { Ping, Clip, Clear, Name, Rejected };

struct Request final {
    Kind kind = Kind::Rejected;
    uint32_t seq = 0;                    // clip, clear (and a rejected clip's, for its 0 ack)
    int replyPort = 0;                   // ping, clip: 0 = no reply
    StartRule start = StartRule::Now;    // clip, clear
    int32_t quantumTicks = 0;            // clip
    std::unique_ptr<Clip> clip;          // clip: validated and sorted
    std::string name;                    // name: valid UTF-8, 1-64 bytes, no control characters
    std::string why;                     // rejected: what was wrong
};

// Parses one datagram. Never throws on bad input: anything malformed or out of range comes back as
// Kind::Rejected with `why`, plus the seq and reply port of a clip whose header was readable, so
// the sender gets its 0 ack.
Request parse(const uint8_t* data, size_t size);

// True when `text` is a name the protocol allows.
bool isValidName(const std::string& text);

}  // namespace stepista::wire
