// A tiny test harness: TEST(name) { CHECK(...); CHECK_EQ(a, b); } and CHECK_MAIN() once per
// executable. Every failing check prints file:line and the values; the executable exits non-zero
// if any check failed, which is what ctest looks at. Run one test with `<executable> <name>`.
#pragma once

#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace check {

struct Test {
    const char* name;
    void (*run)();
};

inline std::vector<Test>& registry() {
    static std::vector<Test> tests;
    return tests;
}

inline int& failures() {
    static int count = 0;
    return count;
}

struct Registrar {
    Registrar(const char* name, void (*run)()) { registry().push_back({name, run}); }
};

template <typename T>
std::string show(const T& value) {
    std::ostringstream text;
    if constexpr (sizeof(T) == 1 && std::is_integral_v<T>)
        text << int(value);  // uint8_t as a number, not a character
    else
        text << value;
    return text.str();
}

inline void fail(const char* file, int line, const std::string& what) {
    ++failures();
    std::fprintf(stderr, "%s:%d: FAILED %s\n", file, line, what.c_str());
}

inline int runAll(int argc, char** argv) {
    int ran = 0;
    for (const Test& test : registry()) {
        if (argc > 1 && std::strcmp(argv[1], test.name) != 0) continue;
        const int before = failures();
        test.run();
        ++ran;
        std::printf("%s %s\n", failures() == before ? "ok  " : "FAIL", test.name);
    }
    std::printf("%d tests, %d failed checks\n", ran, failures());
    return (failures() == 0 && ran > 0) ? 0 : 1;
}

}  // namespace check

#define TEST(name)                                                  \
    static void name();                                             \
    static const check::Registrar name##_registrar(#name, &name);   \
    static void name()

#define CHECK(condition)                                                     \
    do {                                                                     \
        if (!(condition)) check::fail(__FILE__, __LINE__, "CHECK(" #condition ")"); \
    } while (0)

#define CHECK_EQ(actual, expected)                                                        \
    do {                                                                                  \
        const auto check_a_ = (actual);                                                   \
        const auto check_e_ = (expected);                                                 \
        if (!(check_a_ == check_e_))                                                      \
            check::fail(__FILE__, __LINE__,                                               \
                        "CHECK_EQ(" #actual ", " #expected "): " + check::show(check_a_) + \
                            " != " + check::show(check_e_));                              \
    } while (0)

#define CHECK_MAIN() \
    int main(int argc, char** argv) { return check::runAll(argc, argv); }
