// `run` and `bench`: the transport driven block by block, as fast as the CPU allows (or in real
// time with --realtime), the plugin's MIDI printed or its processBlock timed.
//
// In real time each event also carries "us": the host time (the clock Ableton Link reads) at
// which its sample is due on the schedule the blocks are paced by, so a test can read the
// Link session's beat at that moment. --host-stopped keeps the host's transport stopped (the
// plugin's Auto sync mode then follows Link).
#include "Commands.h"
#include "HostedPlugin.h"
#include "Json.h"
#include "Probe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <stdexcept>
#include <thread>
#include <vector>

namespace testhost {
namespace {

constexpr int pumpEveryBlocks = 256;

// A change the host makes to its transport at a time into the run.
struct Cue final {
    enum class Kind { Jump, Stop, Tempo } kind;
    juce::int64 atSample;
    double value;
};

std::vector<Cue> cuesFrom(const Args& args, double sampleRate) {
    std::vector<Cue> cues;
    const auto add = [&](Cue::Kind kind, const std::string& name, const std::string& text) {
        double at = 0.0, value = 0.0;
        if (!Args::pair(text, at, value))
            throw std::runtime_error("--" + name + " wants SECONDS:VALUE, not " + text);
        cues.push_back({kind, juce::int64(std::llround(at * sampleRate)), value});
    };
    for (const auto& text : args.all("jump"))
        add(Cue::Kind::Jump, "jump", text);
    for (const auto& text : args.all("tempo-at"))
        add(Cue::Kind::Tempo, "tempo-at", text);
    if (args.has("stop-at"))
        cues.push_back({Cue::Kind::Stop, juce::int64(std::llround(args.number("stop-at", 0) * sampleRate)), 0});
    std::stable_sort(cues.begin(), cues.end(), [](const Cue& a, const Cue& b) { return a.atSample < b.atSample; });
    return cues;
}

void apply(const Cue& cue, TestPlayHead& head) {
    if (cue.kind == Cue::Kind::Jump)
        head.ppq = cue.value;
    else if (cue.kind == Cue::Kind::Tempo)
        head.bpm = cue.value;
    else
        head.playing = false;
}

struct Setup final {
    double sampleRate;
    int block;
    juce::int64 totalSamples;
};

Setup setupFrom(const Args& args, double defaultSeconds) {
    Setup setup{args.number("sr", 48000.0), int(args.number("block", 64)), 0};
    if (setup.sampleRate < 1000.0 || setup.block < 1 || setup.block > 65536)
        throw std::runtime_error("--sr or --block out of range");
    setup.totalSamples = juce::int64(std::llround(args.number("seconds", defaultSeconds) * setup.sampleRate));
    return setup;
}

void prepareTransport(const Args& args, TestPlayHead& head) {
    head.bpm = args.number("bpm", 120.0);
    head.ppq = args.number("start-ppq", 0.0);
    head.playing = false;
    if (args.has("loop")) {
        if (!Args::pair(args.text("loop"), head.loopStart, head.loopEnd) || head.loopEnd <= head.loopStart)
            throw std::runtime_error("--loop wants START_PPQ:END_PPQ with END > START");
        head.looping = true;
    }
}

// Feeds stopped blocks in real time (as a DAW does while stopped) and pings until the instance
// says it plays clip `seq`.
// Waits until the instance plays clip `seq` (anySeq: any clip at all); returns the seq it plays,
// or 0 on timeout.
int waitForClip(HostedPlugin& plugin, Probe& probe, const juce::String& id, int port, int seq, bool anySeq,
                double timeoutSec) {
    juce::MidiBuffer midi;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeoutSec);
    const auto blockTime = std::chrono::duration<double>(plugin.blockSize() / plugin.playHead().sampleRate);
    auto nextPing = std::chrono::steady_clock::now();
    const juce::int64 samplesBefore = plugin.playHead().samples;
    while (std::chrono::steady_clock::now() < deadline) {
        plugin.process(plugin.blockSize(), midi);
        if (std::chrono::steady_clock::now() >= nextPing) {
            const auto wanted = [seq, anySeq](const HelloInfo& h) { return anySeq ? h.seq != 0 : h.seq == seq; };
            if (const auto hello = probe.waitHello(id, 0, wanted)) {
                plugin.playHead().samples = samplesBefore;
                return hello->seq;
            }
            probe.ping(port);
            nextPing += std::chrono::milliseconds(20);
        }
        std::this_thread::sleep_for(blockTime);
    }
    return 0;
}

// Host time in microseconds on Link's clock: CLOCK_MONOTONIC_RAW on Linux (never slewed by
// NTP), the steady clock elsewhere.
juce::int64 hostMicros() {
#if defined(CLOCK_MONOTONIC_RAW)
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC_RAW, &now);
    return juce::int64(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
#else
    return std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now().time_since_epoch()).count();
#endif
}

// Sleeps until `micros` on hostMicros()'s clock.
void sleepUntilMicros(juce::int64 micros) {
    for (auto left = micros - hostMicros(); left > 0; left = micros - hostMicros())
        std::this_thread::sleep_for(std::chrono::microseconds(left));
}

// usAt < 0: no time (a run as fast as the CPU allows).
juce::String eventJson(juce::int64 sample, const juce::MidiMessageMetadata& event, juce::int64 usAt) {
    juce::String line("{\"sample\":");
    line << juce::String(sample);
    if (usAt >= 0)
        line << ",\"us\":" << juce::String(usAt);
    line << ",\"status\":" << int(event.data[0]);
    line << ",\"data1\":" << (event.numBytes > 1 ? int(event.data[1]) : 0);
    line << ",\"data2\":" << (event.numBytes > 2 ? int(event.data[2]) : 0) << "}";
    return line;
}

// Final hello: the instance's own view after the run (seq, dropped packets, transport).
void reportHello(Probe& probe, const juce::String& id, int port) {
    if (port == 0)
        return;
    probe.forget();
    probe.ping(port);
    if (const auto hello = probe.waitHello(id, 2000, [](const HelloInfo&) { return true; }))
        emit("{\"hello\":" + hello->json() + "}");
    else
        emit("{\"hello\":null}");
}

void pump() { juce::MessageManager::getInstance()->runDispatchLoopUntil(1); }

}  // namespace

int run(const Args& args) {
    const auto setup = setupFrom(args, 4.0);
    HostedPlugin plugin(fileArg(args.positional()[1]).getFullPathName(), setup.sampleRate, setup.block);
    if (args.has("state-in"))
        plugin.loadState(fileArg(args.text("state-in")));
    Probe probe;
    const auto id = plugin.instanceId();
    const int port = probe.findInstance(id, 3000);
    if (port == 0 && !args.has("state-in"))
        throw std::runtime_error("the instance did not answer a ping on 47801-47864");
    if (args.has("wait-port-file"))
        fileArg(args.text("wait-port-file")).replaceWithText(juce::String(port));
    emit("{\"ready\":true,\"port\":" + juce::String(port) + ",\"id\":" + quoted(id) + "}");

    auto& head = plugin.playHead();
    prepareTransport(args, head);
    if (args.has("wait-clip")) {  // a seq, or "any" (the engine's seqs come from its clock)
        const bool anySeq = args.text("wait-clip") == "any";
        const int seq = anySeq ? 0 : int(juce::int64(args.number("wait-clip", 0)));
        const int playing = waitForClip(plugin, probe, id, port, seq, anySeq, args.number("timeout", 30.0));
        if (playing == 0)
            throw std::runtime_error("the instance did not start playing clip " + args.text("wait-clip"));
        emit("{\"clip\":" + juce::String(playing) + "}");
    }

    const auto cues = cuesFrom(args, setup.sampleRate);
    size_t nextCue = 0;
    const bool realtime = args.has("realtime");
    const auto startedUs = hostMicros();
    const auto dueUs = [&](juce::int64 sample) {
        return startedUs + juce::int64(std::llround(1.0e6 * double(sample) / setup.sampleRate));
    };
    juce::MidiBuffer midi;
    juce::int64 done = 0, events = 0, noteOns = 0, noteOffs = 0, blocks = 0;
    head.samples = 0;
    head.playing = !args.has("host-stopped");
    while (done < setup.totalSamples) {
        while (nextCue < cues.size() && cues[nextCue].atSample <= done)
            apply(cues[nextCue++], head);
        const int n = int(std::min<juce::int64>(setup.block, setup.totalSamples - done));
        plugin.process(n, midi);
        for (const auto event : midi) {
            const auto sample = done + event.samplePosition;
            emit(eventJson(sample, event, realtime ? dueUs(sample) : -1));
            ++events;
            const auto kind = event.data[0] & 0xF0;
            noteOns += kind == 0x90 && event.numBytes > 2 && event.data[2] > 0;
            noteOffs += kind == 0x80 || (kind == 0x90 && event.numBytes > 2 && event.data[2] == 0);
        }
        done += n;
        if (++blocks % pumpEveryBlocks == 0)
            pump();
        if (realtime)
            sleepUntilMicros(dueUs(done));
    }
    reportHello(probe, id, port);
    if (args.has("state-out"))
        plugin.saveState(fileArg(args.text("state-out")));
    emit("{\"done\":true,\"samples\":" + juce::String(done) + ",\"blocks\":" + juce::String(blocks)
         + ",\"events\":" + juce::String(events) + ",\"note_on\":" + juce::String(noteOns)
         + ",\"note_off\":" + juce::String(noteOffs) + "}");
    return 0;
}

int bench(const Args& args) {
    if (!args.has("state-in"))
        throw std::runtime_error("bench needs --state-in FILE (a clip to play)");
    const auto setup = setupFrom(args, 60.0);
    HostedPlugin plugin(fileArg(args.positional()[1]).getFullPathName(), setup.sampleRate, setup.block);
    plugin.loadState(fileArg(args.text("state-in")));
    auto& head = plugin.playHead();
    prepareTransport(args, head);
    head.playing = true;

    const auto numBlocks = size_t((setup.totalSamples + setup.block - 1) / setup.block);
    std::vector<double> nanos;
    nanos.reserve(numBlocks);
    juce::MidiBuffer midi;
    midi.ensureSize(1 << 16);
    juce::int64 events = 0;
    for (size_t i = 0; i < numBlocks; ++i) {
        const auto before = std::chrono::steady_clock::now();
        plugin.process(setup.block, midi);
        nanos.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - before).count());
        events += midi.getNumEvents();
        if ((i + 1) % pumpEveryBlocks == 0)
            pump();
    }
    std::sort(nanos.begin(), nanos.end());
    double sum = 0.0;
    for (double ns : nanos)
        sum += ns;
    const double mean = sum / double(nanos.size()), blockNs = 1.0e9 * setup.block / setup.sampleRate;
    const auto at = [&nanos](double q) { return nanos[std::min(nanos.size() - 1, size_t(q * double(nanos.size())))]; };
    emit("{\"bench\":true,\"blocks\":" + juce::String(int(nanos.size())) + ",\"block\":" + juce::String(setup.block)
         + ",\"sr\":" + juce::String(setup.sampleRate) + ",\"events\":" + juce::String(events)
         + ",\"median_ns\":" + juce::String((juce::int64) std::llround(at(0.5))) + ",\"p99_ns\":" + juce::String((juce::int64) std::llround(at(0.99)))
         + ",\"max_ns\":" + juce::String((juce::int64) std::llround(nanos.back())) + ",\"mean_ns\":" + juce::String((juce::int64) std::llround(mean))
         + ",\"block_ns\":" + juce::String((juce::int64) std::llround(blockNs))
         + ",\"realtime_pct_median\":" + juce::String(100.0 * at(0.5) / blockNs, 4)
         + ",\"realtime_pct_mean\":" + juce::String(100.0 * mean / blockNs, 4) + "}");
    return 0;
}

}  // namespace testhost
