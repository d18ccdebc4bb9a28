// Just enough JSON for one line per record on stdout.
#pragma once

#include <juce_core/juce_core.h>

namespace testhost {

inline juce::String quoted(const juce::String& text) {
    juce::String out("\"");
    for (auto c : text) {
        if (c == '"' || c == '\\')
            out << "\\" << juce::String::charToString(c);
        else if (c < 0x20)
            out << "\\u" << juce::String::toHexString(int(c)).paddedLeft('0', 4);
        else
            out << juce::String::charToString(c);
    }
    return out + "\"";
}

inline const char* boolean(bool value) { return value ? "true" : "false"; }

// Writes one line and flushes, so a reader sees each line as it is made.
inline void emit(const juce::String& line) {
    std::fputs(line.toRawUTF8(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

}  // namespace testhost
