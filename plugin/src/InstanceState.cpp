#include "InstanceState.h"

#include "Wire.h"

#include <random>

namespace stepista {
namespace {

const juce::Identifier rootType{"Stepista"}, clipType{"Clip"};
constexpr int stateVersion = 1;

// Notes as the wire carries them (16 big-endian bytes each), so the state is compact.
juce::MemoryBlock packNotes(const Clip& clip) {
    juce::MemoryOutputStream out;
    for (const auto& note : clip.notes)
        for (int32_t value : {note.start, note.duration, int32_t(note.pitch), int32_t(note.velocity)})
            out.writeIntBigEndian(value);
    return out.getMemoryBlock();
}

juce::ValueTree clipTree(const Clip& clip) {
    juce::ValueTree tree(clipType);
    tree.setProperty("seq", juce::String(clip.seq), nullptr);
    tree.setProperty("channel", clip.channel, nullptr);
    tree.setProperty("tpq", clip.tpq, nullptr);
    tree.setProperty("loopTicks", clip.loopTicks, nullptr);
    tree.setProperty("notes", packNotes(clip).toBase64Encoding(), nullptr);
    return tree;
}

// Rebuilds a clip by running it through the wire parser's checks: a hand-edited or corrupt state
// cannot hand the player a clip the protocol would refuse.
std::unique_ptr<Clip> clipFrom(const juce::ValueTree& tree) {
    juce::MemoryBlock notes;
    if (!tree.isValid() || !notes.fromBase64Encoding(tree["notes"].toString()))
        return nullptr;
    juce::MemoryOutputStream packet;
    const auto pad = [&packet] { while (packet.getDataSize() % 4 != 0) packet.writeByte(0); };
    packet.writeString("/stepista/clip");
    pad();
    packet.writeString(",iiiiiiib");
    pad();
    const auto seq = uint32_t(tree["seq"].toString().getLargeIntValue());
    const int32_t tpq = tree["tpq"];
    for (int32_t value : {int32_t(seq), 0, int32_t(tree["channel"]), tpq, int32_t(tree["loopTicks"]),
                          0, 1, int32_t(notes.getSize())})
        packet.writeIntBigEndian(value);
    packet.write(notes.getData(), notes.getSize());
    pad();
    auto request = wire::parse(static_cast<const uint8_t*>(packet.getData()), packet.getDataSize());
    return std::move(request.clip);
}

}  // namespace

juce::String InstanceState::makeId() {
    std::random_device source;
    juce::Random random(juce::int64(source()) << 32 | source());
    return juce::String::toHexString(random.nextInt()).paddedLeft('0', 8).toLowerCase();
}

bool InstanceState::isValidId(const juce::String& id) {
    return id.length() == 8 && id.containsOnly("0123456789abcdef");
}

void saveState(const InstanceState& state, juce::MemoryBlock& into) {
    juce::ValueTree root(rootType);
    root.setProperty("version", stateVersion, nullptr);
    root.setProperty("id", state.id, nullptr);
    root.setProperty("name", state.name, nullptr);
    root.setProperty("sync", state.sync, nullptr);
    if (state.clip != nullptr)
        root.appendChild(clipTree(*state.clip), nullptr);
    if (auto xml = root.createXml())
        juce::AudioProcessor::copyXmlToBinary(*xml, into);
}

bool loadState(const void* data, int size, InstanceState& into) {
    const auto xml = juce::AudioProcessor::getXmlFromBinary(data, size);
    if (xml == nullptr || !xml->hasTagName(rootType.toString()))
        return false;
    const auto root = juce::ValueTree::fromXml(*xml);
    const juce::String id = root["id"].toString(), name = root["name"].toString();
    into.id = InstanceState::isValidId(id) ? id : InstanceState::makeId();
    into.name = wire::isValidName(name.toStdString()) ? name : juce::String();
    into.sync = juce::jlimit(0, 2, int(root["sync"]));
    into.clip = clipFrom(root.getChildWithName(clipType));
    return true;
}

}  // namespace stepista
