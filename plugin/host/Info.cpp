// `info` and `state`: what the plugin is to a host, and a saved state made by sending it a clip.
#include "Commands.h"
#include "HostedPlugin.h"
#include "Json.h"
#include "Probe.h"

#include <stdexcept>

namespace testhost {
namespace {

juce::String busesJson(juce::AudioProcessor& processor, bool isInput) {
    juce::StringArray buses;
    for (int i = 0; i < processor.getBusCount(isInput); ++i) {
        const auto* bus = processor.getBus(isInput, i);
        buses.add("{\"name\":" + quoted(bus->getName()) + ",\"channels\":"
                  + juce::String(bus->getNumberOfChannels()) + ",\"enabled\":" + boolean(bus->isEnabled()) + "}");
    }
    return "[" + buses.joinIntoString(",") + "]";
}

// A clip of `notes` (start, duration, pitch, velocity) as /stepista/clip.
juce::OSCMessage clipMessage(int seq, int replyPort, int tpq, int loopTicks,
                             const std::vector<std::array<int, 4>>& notes) {
    juce::MemoryOutputStream blob;
    for (const auto& note : notes)
        for (int value : note)
            blob.writeIntBigEndian(value);
    juce::OSCMessage message("/stepista/clip");
    for (int value : {seq, replyPort, 1, tpq, loopTicks, 0, tpq * 4})
        message.addInt32(value);
    message.addBlob(blob.getMemoryBlock());
    return message;
}

// small: one bar of quarter notes C4 E4 G4 C5. dense: 16 bars, eight notes on every 16th (the
// protocol's maximum of 2048 notes), lengths of one to four 16ths.
std::vector<std::array<int, 4>> pattern(const std::string& name, int& tpq, int& loopTicks) {
    std::vector<std::array<int, 4>> notes;
    tpq = 4;
    if (name == "small") {
        loopTicks = 16;
        for (int i = 0; i < 4; ++i)
            notes.push_back({i * 4, 2, std::array<int, 4>{60, 64, 67, 72}[size_t(i)], 100});
        return notes;
    }
    if (name != "dense")
        throw std::runtime_error("--pattern is small or dense");
    loopTicks = 16 * 16;
    for (int step = 0; step < loopTicks; ++step)
        for (int voice = 0; voice < 8; ++voice)
            notes.push_back({step, 1 + (step + voice) % 4, 36 + (step * 5 + voice * 7) % 60,
                             60 + (step * 3 + voice * 11) % 68});
    return notes;
}

}  // namespace

int info(const Args& args) {
    HostedPlugin plugin(fileArg(args.positional()[1]).getFullPathName(), 48000.0, 64);
    auto& p = plugin.instance();
    const auto description = p.getPluginDescription();
    Probe probe;
    const auto id = plugin.instanceId();
    const int port = probe.findInstance(id, 3000);
    emit("{\"name\":" + quoted(p.getName()) + ",\"vendor\":" + quoted(description.manufacturerName)
         + ",\"version\":" + quoted(description.version) + ",\"format\":" + quoted(description.pluginFormatName)
         + ",\"instrument\":" + boolean(description.isInstrument)
         + ",\"accepts_midi\":" + boolean(p.acceptsMidi()) + ",\"produces_midi\":" + boolean(p.producesMidi())
         + ",\"midi_effect\":" + boolean(p.isMidiEffect()) + ",\"has_editor\":" + boolean(p.hasEditor())
         + ",\"inputs\":" + busesJson(p, true) + ",\"outputs\":" + busesJson(p, false)
         + ",\"latency\":" + juce::String(p.getLatencySamples()) + ",\"id\":" + quoted(id)
         + ",\"port\":" + juce::String(port) + "}");
    return port != 0 ? 0 : 1;
}

int state(const Args& args) {
    if (!args.has("out"))
        throw std::runtime_error("state needs --out FILE");
    int tpq = 0, loopTicks = 0;
    const auto notes = pattern(args.text("pattern", "small"), tpq, loopTicks);
    HostedPlugin plugin(fileArg(args.positional()[1]).getFullPathName(), 48000.0, 64);
    Probe probe;
    const auto id = plugin.instanceId();
    const int port = probe.findInstance(id, 3000);
    if (port == 0)
        throw std::runtime_error("the instance did not answer a ping");
    probe.send(port, clipMessage(1, probe.port(), tpq, loopTicks, notes));
    const auto ack = probe.waitAck(1, 3000);
    if (!ack || ack->accepted != 1)
        throw std::runtime_error("the clip was not acknowledged as accepted");
    if (args.has("sync")) {  // a state in another sync mode (the protocol cannot set it)
        const int sync = int(args.number("sync", 0));
        plugin.editState([sync](juce::XmlElement& xml) { xml.setAttribute("sync", sync); });
    }
    const auto out = fileArg(args.text("out"));
    plugin.saveState(out);
    emit("{\"state\":" + quoted(out.getFullPathName()) + ",\"notes\":" + juce::String(int(notes.size()))
         + ",\"tpq\":" + juce::String(tpq) + ",\"loop_ticks\":" + juce::String(loopTicks) + ",\"port\":"
         + juce::String(port) + ",\"id\":" + quoted(id) + "}");
    return 0;
}

}  // namespace testhost
