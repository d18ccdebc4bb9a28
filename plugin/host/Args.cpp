#include "Args.h"

#include <cstdlib>
#include <stdexcept>

namespace testhost {

// Options that take no value.
static bool isFlag(const std::string& name) { return name == "realtime" || name == "host-stopped"; }

Args::Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (word.rfind("--", 0) != 0) {
            positional_.push_back(word);
            continue;
        }
        const std::string name = word.substr(2);
        if (isFlag(name))
            options_[name].push_back("1");
        else if (i + 1 < argc)
            options_[name].push_back(argv[++i]);
        else
            throw std::runtime_error("--" + name + " needs a value");
    }
}

std::string Args::text(const std::string& name, const std::string& fallback) const {
    const auto found = options_.find(name);
    return found == options_.end() ? fallback : found->second.back();
}

double Args::number(const std::string& name, double fallback) const {
    if (!has(name))
        return fallback;
    const auto value = text(name);
    char* end = nullptr;
    const double parsed = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0')
        throw std::runtime_error("--" + name + " wants a number, not " + value);
    return parsed;
}

const std::vector<std::string>& Args::all(const std::string& name) const {
    static const std::vector<std::string> none;
    const auto found = options_.find(name);
    return found == options_.end() ? none : found->second;
}

bool Args::pair(const std::string& text, double& first, double& second) {
    const auto colon = text.find(':');
    if (colon == std::string::npos)
        return false;
    char* end = nullptr;
    const std::string a = text.substr(0, colon), b = text.substr(colon + 1);
    first = std::strtod(a.c_str(), &end);
    if (a.empty() || *end != '\0')
        return false;
    second = std::strtod(b.c_str(), &end);
    return !b.empty() && *end == '\0';
}

}  // namespace testhost
