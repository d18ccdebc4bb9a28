// Clip::sort and validate(): PROTOCOL.md's ranges, each edge on both sides.
#include <string>

#include "harness.h"

using namespace harness;

namespace {

Clip valid() { return makeClip(4, 16, {note(0, 1, 60), note(15, 16, 127, 127), note(3, 2, 0, 1)}); }

bool accepts(const Clip& clip) {
    std::string why;
    const bool ok = validate(clip, &why);
    CHECK(ok == why.empty());  // a reason exactly when refused
    return ok;
}

}  // namespace

TEST(sort_orders_by_start_then_pitch) {
    Clip clip = makeClip(4, 16, {note(5, 1, 64), note(0, 1, 62), note(5, 1, 60), note(0, 3, 62),
                                 note(0, 1, 40)});
    clip.sort();
    const int starts[] = {0, 0, 0, 5, 5};
    const int pitches[] = {40, 62, 62, 60, 64};
    for (size_t i = 0; i < clip.notes.size(); ++i) {
        CHECK_EQ(clip.notes[i].start, starts[i]);
        CHECK_EQ(int(clip.notes[i].pitch), pitches[i]);
    }
    CHECK_EQ(clip.notes[1].duration, 1);  // equal start and pitch: shorter first, every time
}

TEST(a_valid_clip_passes_and_an_empty_one_too) {
    CHECK(accepts(valid()));
    Clip empty = valid();
    empty.notes.clear();
    CHECK(accepts(empty));
    CHECK(validate(valid(), nullptr));
}

TEST(channel_is_1_to_16) {
    Clip c = valid();
    c.channel = 0;
    CHECK(!accepts(c));
    c.channel = 17;
    CHECK(!accepts(c));
    c.channel = 1;
    CHECK(accepts(c));
    c.channel = 16;
    CHECK(accepts(c));
}

TEST(tpq_is_1_to_1048576) {
    Clip c = valid();
    c.notes.clear();
    c.loopTicks = 1;
    c.tpq = 0;
    CHECK(!accepts(c));
    c.tpq = 1;
    CHECK(accepts(c));
    c.tpq = 1048576;
    CHECK(accepts(c));
    c.tpq = 1048577;
    CHECK(!accepts(c));
    c.tpq = -5;
    CHECK(!accepts(c));
}

TEST(loop_ticks_is_1_to_1024_beats) {
    Clip c = valid();
    c.notes.clear();
    c.loopTicks = 0;
    CHECK(!accepts(c));
    c.loopTicks = 1;
    CHECK(accepts(c));
    c.loopTicks = 4 * 1024;
    CHECK(accepts(c));
    c.loopTicks = 4 * 1024 + 1;
    CHECK(!accepts(c));
    // At the largest tpq 1024 beats are 2^30 ticks, inside 2^31-1.
    c.tpq = 1048576;
    c.loopTicks = 1073741824;
    CHECK(accepts(c));
    c.loopTicks = 1073741825;
    CHECK(!accepts(c));
}

TEST(note_start_is_inside_the_loop) {
    Clip c = valid();
    c.notes[0].start = -1;
    CHECK(!accepts(c));
    c.notes[0].start = 16;
    CHECK(!accepts(c));
    c.notes[0].start = 15;
    CHECK(accepts(c));
}

TEST(note_duration_is_1_to_loop_ticks) {
    Clip c = valid();
    c.notes[0].duration = 0;
    CHECK(!accepts(c));
    c.notes[0].duration = 17;
    CHECK(!accepts(c));
    c.notes[0].duration = 16;
    CHECK(accepts(c));
}

TEST(pitch_is_0_to_127_and_velocity_1_to_127) {
    Clip c = valid();
    c.notes[0].pitch = 128;
    CHECK(!accepts(c));
    c.notes[0].pitch = 127;
    CHECK(accepts(c));
    c.notes[0].velocity = 0;
    CHECK(!accepts(c));
    c.notes[0].velocity = 128;
    CHECK(!accepts(c));
    c.notes[0].velocity = 1;
    CHECK(accepts(c));
}

TEST(at_most_2048_notes) {
    Clip c = valid();
    c.notes.assign(2048, note(0, 1, 60));
    CHECK(accepts(c));
    c.notes.push_back(note(0, 1, 60));
    CHECK(!accepts(c));
}

TEST(the_reason_names_the_note) {
    Clip c = valid();
    c.notes[2].velocity = 0;
    std::string why;
    CHECK(!validate(c, &why));
    CHECK(why.find("note 2") != std::string::npos);
    CHECK(why.find("velocity") != std::string::npos);
}

TEST(quantum_is_1_to_64_beats) {
    CHECK(!validQuantum(0, 4));
    CHECK(validQuantum(1, 4));
    CHECK(validQuantum(256, 4));
    CHECK(!validQuantum(257, 4));
    CHECK(validQuantum(64 * 1048576 - 1, 1048576));
    CHECK(!validQuantum(1, 0));
}

CHECK_MAIN()
