// The test host's command line: a subcommand, positional arguments and --options (an option may
// repeat, e.g. --jump).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace testhost {

class Args final {
public:
    Args(int argc, char** argv);

    const std::vector<std::string>& positional() const { return positional_; }
    bool has(const std::string& name) const { return options_.count(name) != 0; }
    std::string text(const std::string& name, const std::string& fallback = {}) const;
    double number(const std::string& name, double fallback) const;
    const std::vector<std::string>& all(const std::string& name) const;

    // "A:B" -> {A, B}; false when the text is not two numbers.
    static bool pair(const std::string& text, double& first, double& second);

private:
    std::vector<std::string> positional_;
    std::map<std::string, std::vector<std::string>> options_;
};

}  // namespace testhost
