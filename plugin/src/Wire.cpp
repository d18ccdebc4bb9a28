#include "Wire.h"

#include <cstring>
#include <string_view>

namespace stepista::wire {
namespace {

// Reads OSC 1.0 fields front to back; every read checks the bytes are there (and the padding is
// zeros), so a short or lying packet fails instead of being read past its end.
class Reader final {
public:
    Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    bool string(std::string_view& out) {
        const auto* end = static_cast<const uint8_t*>(std::memchr(data_ + pos_, 0, size_ - pos_));
        if (end == nullptr)
            return false;
        const size_t length = size_t(end - (data_ + pos_));
        out = {reinterpret_cast<const char*>(data_ + pos_), length};
        return skipPadded(length + 1);
    }

    bool int32(int32_t& out) {
        if (size_ - pos_ < 4)
            return false;
        const uint8_t* p = data_ + pos_;
        out = int32_t(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
        pos_ += 4;
        return true;
    }

    bool blob(const uint8_t*& bytes, size_t& length) {
        int32_t declared = 0;
        if (!int32(declared) || declared < 0 || size_t(declared) > size_ - pos_)
            return false;
        bytes = data_ + pos_;
        length = size_t(declared);
        return skipPadded(length);
    }

private:
    bool skipPadded(size_t used) {
        const size_t padded = (used + 3) & ~size_t(3);
        if (padded > size_ - pos_)
            return false;
        for (size_t i = used; i < padded; ++i)
            if (data_[pos_ + i] != 0)
                return false;
        pos_ += padded;
        return true;
    }

    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

int32_t readBigEndian(const uint8_t* p) {
    return int32_t(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
}

Request rejected(std::string why, uint32_t seq = 0, int replyPort = 0) {
    Request out;
    out.why = std::move(why);
    out.seq = seq;
    out.replyPort = replyPort;
    return out;
}

bool hasTags(std::string_view tags, std::string_view leading) {
    return tags.substr(0, leading.size()) == leading;  // later arguments are allowed, ignored
}

bool isReplyPort(int32_t port) { return port >= 1024 && port <= 65535; }

bool inRange(int64_t value, int64_t low, int64_t high) { return value >= low && value <= high; }

Request parsePing(Reader& in, std::string_view tags) {
    int32_t port = 0;
    if (!hasTags(tags, ",i") || !in.int32(port))
        return rejected("ping: expected ,i");
    if (!isReplyPort(port))
        return rejected("ping: reply_port out of range");
    Request out;
    out.kind = Kind::Ping;
    out.replyPort = port;
    return out;
}

// The notes blob: 16 bytes a note. Pitch and velocity are checked here, before they are narrowed
// to bytes; the rest of the clip's ranges by the core's validate().
bool readNotes(const uint8_t* bytes, size_t length, Clip& clip, std::string& why) {
    if (length % noteBytes != 0 || length > size_t(limits::maxNotes) * noteBytes) {
        why = "clip: notes blob is not 16 bytes a note, at most 2048 notes";
        return false;
    }
    clip.notes.reserve(length / noteBytes);
    for (size_t at = 0; at < length; at += noteBytes) {
        const int32_t pitch = readBigEndian(bytes + at + 8), velocity = readBigEndian(bytes + at + 12);
        if (!inRange(pitch, 0, 127) || !inRange(velocity, 1, 127)) {
            why = "clip: note " + std::to_string(at / noteBytes) + ": pitch or velocity out of range";
            return false;
        }
        clip.notes.push_back({readBigEndian(bytes + at), readBigEndian(bytes + at + 4), uint8_t(pitch),
                              uint8_t(velocity)});
    }
    return true;
}

Request parseClip(Reader& in, std::string_view tags) {
    int32_t v[7] = {};
    if (!hasTags(tags, ",iiiiiiib"))
        return rejected("clip: expected ,iiiiiiib");
    for (auto& value : v)
        if (!in.int32(value))
            return rejected("clip: truncated");
    const auto seq = uint32_t(v[0]);
    const int replyPort = isReplyPort(v[1]) ? v[1] : 0;
    const int32_t start = v[5], quantum = v[6];
    const uint8_t* bytes = nullptr;
    size_t length = 0;
    if (!in.blob(bytes, length))
        return rejected("clip: malformed notes blob");  // not parseable: no ack
    if (v[1] != 0 && replyPort == 0)
        return rejected("clip: reply_port out of range", seq);

    auto clip = std::make_unique<Clip>();
    clip->seq = seq;
    clip->channel = v[2];
    clip->tpq = v[3];
    clip->loopTicks = v[4];
    std::string why;
    if (!readNotes(bytes, length, *clip, why) || !validate(*clip, &why))
        return rejected(why, seq, replyPort);
    if (!inRange(start, 0, 2) || !validQuantum(quantum, clip->tpq))
        return rejected("clip: start or quantum_ticks out of range", seq, replyPort);
    clip->sort();

    Request out;
    out.kind = Kind::Clip;
    out.seq = seq;
    out.replyPort = replyPort;
    out.start = StartRule(start);
    out.quantumTicks = quantum;
    out.clip = std::move(clip);
    return out;
}

Request parseClear(Reader& in, std::string_view tags) {
    int32_t seq = 0, start = 0;
    if (!hasTags(tags, ",ii") || !in.int32(seq) || !in.int32(start))
        return rejected("clear: expected ,ii");
    if (!inRange(start, 0, 2))
        return rejected("clear: start out of range");
    Request out;
    out.kind = Kind::Clear;
    out.seq = uint32_t(seq);
    out.start = StartRule(start);
    return out;
}

Request parseName(Reader& in, std::string_view tags) {
    std::string_view name;
    if (!hasTags(tags, ",s") || !in.string(name))
        return rejected("name: expected ,s");
    Request out;
    out.name = std::string(name);
    if (!isValidName(out.name))
        return rejected("name: 1-64 bytes of UTF-8 without control characters");
    out.kind = Kind::Name;
    return out;
}

// Decodes one UTF-8 sequence at text[at]; returns its length (0 when invalid) and the code point.
size_t decodeUtf8(const std::string& text, size_t at, uint32_t& cp) {
    const auto lead = uint8_t(text[at]);
    const size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                        : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || at + length > text.size())
        return 0;
    cp = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t i = 1; i < length; ++i) {
        const auto next = uint8_t(text[at + i]);
        if ((next & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (next & 0x3F);
    }
    static constexpr uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < smallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;  // overlong, too large, or a surrogate
    return length;
}

}  // namespace

bool isValidName(const std::string& text) {
    if (text.empty() || text.size() > maxNameBytes)
        return false;
    for (size_t at = 0; at < text.size();) {
        uint32_t cp = 0;
        const size_t length = decodeUtf8(text, at, cp);
        if (length == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return false;
        at += length;
    }
    return true;
}

Request parse(const uint8_t* data, size_t size) {
    if (size > maxDatagram)
        return rejected("larger than 65,000 bytes");
    Reader in(data, size);
    std::string_view address, tags;
    if (size % 4 != 0 || !in.string(address) || !in.string(tags) || tags.empty() || tags[0] != ',')
        return rejected("not an OSC message");
    if (address == "/stepista/ping")
        return parsePing(in, tags);
    if (address == "/stepista/clip")
        return parseClip(in, tags);
    if (address == "/stepista/clear")
        return parseClear(in, tags);
    if (address == "/stepista/name")
        return parseName(in, tags);
    return rejected("unknown address");
}

}  // namespace stepista::wire
