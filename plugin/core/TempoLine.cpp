#include "TempoLine.h"

#include <cmath>

namespace stepista {

namespace {

// Keeps the int64 conversions defined whatever the host reports (positions are far inside this).
constexpr long double farSamples = 4.0e18L;

int64_t roundHalfUp(long double x) {
    if (!(x < farSamples)) return int64_t(farSamples);  // also NaN
    if (x < -farSamples) return -int64_t(farSamples);
    // llrint is one instruction on x87, where floor and a truncating cast each switch the FPU's
    // rounding mode (slow). Whatever that mode, it lands within one of x; the difference is exact,
    // so the fix-up gives floor(x + 1/2) exactly: a position exactly half-way rounds up, one a
    // hair below does not.
    int64_t nearest = std::llrint(x);
    const long double rest = x - static_cast<long double>(nearest);
    if (rest >= 0.5L) ++nearest;
    if (rest < -0.5L) --nearest;
    return nearest;
}

}  // namespace

int64_t TempoLine::sampleOf(int64_t tick, int32_t tpq) const {
    // One division of (nearly always) exact operands: with the anchor on a whole tick (beat 0 when
    // the transport starts at 0), tick * 60 * sampleRate and tpq * bpm are exact in long double, so
    // the quotient is the correctly rounded exact position and every block sees the same one.
    const long double ticksFromAnchor =
        static_cast<long double>(tick) - static_cast<long double>(anchorBeat) * tpq;
    const long double num = ticksFromAnchor * (60.0L * static_cast<long double>(sampleRate));
    const long double den = static_cast<long double>(tpq) * static_cast<long double>(bpm);
    return anchorSample + roundHalfUp(num / den);
}

long double TempoLine::beatAt(long double sample) const {
    return static_cast<long double>(anchorBeat) +
           (sample - static_cast<long double>(anchorSample)) * static_cast<long double>(bpm) /
               (60.0L * static_cast<long double>(sampleRate));
}

int64_t TempoLine::firstTickFrom(int64_t sample, int32_t tpq, int64_t stride) const {
    // The estimate from the inverse is within a step or two; the forward function decides, so the
    // answer agrees exactly with sampleOf() (the block that plays a tick is the one its sample is in).
    const long double estimate =
        std::floor(beatAt(static_cast<long double>(sample) - 0.5L) * tpq / stride);
    const long double limit = 9.0e18L / static_cast<long double>(stride);
    int64_t j = (estimate > -limit && estimate < limit) ? int64_t(estimate) : 0;
    auto reached = [&](int64_t k) { return sampleOf(k * stride, tpq) >= sample; };
    // Gallop to a bracket [lo, hi] with reached(hi) and !reached(lo), then bisect.
    int64_t lo = j, hi = j;
    int64_t step = 1;
    if (reached(j)) {
        do { hi = lo; lo -= step; step *= 2; } while (reached(lo));
    } else {
        do { lo = hi; hi += step; step *= 2; } while (!reached(hi));
    }
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        (reached(mid) ? hi : lo) = mid;
    }
    return hi * stride;
}

int64_t mulDivCeil(int64_t a, int64_t b, int64_t c) {
#if defined(__SIZEOF_INT128__)
    __extension__ typedef __int128 Wide;  // GCC and Clang; quiet under -Wpedantic
    const Wide p = static_cast<Wide>(a) * b;
    Wide q = p / c;
    if (p % c != 0 && p > 0) ++q;
    return static_cast<int64_t>(q);
#else
    const long double q = std::ceil(static_cast<long double>(a) * b / c);
    return static_cast<int64_t>(q);
#endif
}

}  // namespace stepista
