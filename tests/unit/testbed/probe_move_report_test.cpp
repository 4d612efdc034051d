#include <gtest/gtest.h>

#include <sstream>

#include "testbed/probe/move_report.hpp"

namespace roam6::probe {
namespace {

constexpr std::uint64_t ms = 1000000;

// 1 kHz for 1 s; probes sent in [from, to) ms are lost.
Timeline with_outage(std::uint64_t from, std::uint64_t to) {
  Timeline t;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const auto seq = t.sent(i * ms);
    if (i < from || i >= to) t.echoed(seq, i * ms + ms / 2);
  }
  return t;
}

TEST(MoveReport, TheOutageIsTheLongestSilenceAndThePauseIsTakenOut) {
  // The guest pauses at 300 ms and resumes at 320 ms; nothing comes back
  // from 300 to 335 ms: 15 ms beyond its own pause.
  const Timeline t = with_outage(300, 335);
  std::stringstream marks(R"({"t_ns": 250000000, "move": "1", "event": "migrate"}
{"t_ns": 300000000, "move": "1", "event": "pause"}
{"t_ns": 320000000, "move": "1", "event": "resume"}
{"t_ns": 322000000, "move": "1", "event": "bu_sent"}
{"t_ns": 323500000, "move": "1", "event": "bu_sent"}
)");
  const ProbeReport r = report(t, read_marks(marks));
  EXPECT_EQ(r.sent, 1000u);
  EXPECT_EQ(r.lost, 35u);
  EXPECT_DOUBLE_EQ(r.interval_ms, 1.0);
  ASSERT_EQ(r.moves.size(), 1u);
  const MoveReport& m = r.moves[0];
  EXPECT_EQ(m.lost, 35u);
  EXPECT_DOUBLE_EQ(m.longest_gap_ms, 36.0);  // 299 -> 335
  EXPECT_DOUBLE_EQ(m.outage_ms, 35.0);
  EXPECT_DOUBLE_EQ(*m.pause_ms, 20.0);
  EXPECT_DOUBLE_EQ(*m.added_ms, 15.0);
  EXPECT_DOUBLE_EQ(m.events_ms.at("bu_sent"), 22.0);
  EXPECT_DOUBLE_EQ(m.events_ms.at("migrate"), -50.0);
}

TEST(MoveReport, EachMoveSeesOnlyItsOwnWindow) {
  Timeline t;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const auto seq = t.sent(i * ms);
    const bool lost = (i >= 100 && i < 110) || (i >= 600 && i < 650);
    if (!lost) t.echoed(seq, i * ms + 1);
    if (i == 700) t.echoed(seq, i * ms + 2);  // a duplicate in move 2
  }
  std::stringstream marks(R"({"t_ns": 90000000, "move": "a", "event": "pause"}
{"t_ns": 95000000, "move": "a", "event": "resume"}
{"t_ns": 590000000, "move": "b", "event": "pause"}
{"t_ns": 640000000, "move": "b", "event": "resume"}
)");
  const ProbeReport r = report(t, read_marks(marks));
  ASSERT_EQ(r.moves.size(), 2u);
  EXPECT_EQ(r.moves[0].move, "a");
  EXPECT_EQ(r.moves[0].lost, 10u);
  EXPECT_DOUBLE_EQ(r.moves[0].outage_ms, 10.0);
  EXPECT_DOUBLE_EQ(*r.moves[0].added_ms, 5.0);
  EXPECT_EQ(r.moves[1].lost, 50u);
  EXPECT_EQ(r.moves[1].duplicated, 1u);
  EXPECT_DOUBLE_EQ(*r.moves[1].added_ms, 0.0);  // the outage was all pause
  EXPECT_EQ(r.moves[0].sent + r.moves[1].sent, 1000u - 90u);
  const auto j = to_json(r);
  EXPECT_EQ(j["moves"][1]["lost"], 50);
  EXPECT_NE(to_text(r).find("move b: outage 50.0 ms"), std::string::npos);
}

TEST(MoveReport, AGuestThatNeverCameBackIsOneLongOutage) {
  const Timeline t = with_outage(500, 1000);
  std::stringstream marks(R"({"t_ns": 500000000, "move": "1", "event": "pause"})");
  const ProbeReport r = report(t, read_marks(marks));
  EXPECT_EQ(r.moves[0].lost, 500u);
  EXPECT_DOUBLE_EQ(r.moves[0].longest_gap_ms, 500.0);
  EXPECT_FALSE(r.moves[0].pause_ms);
}

TEST(MoveReport, BadMarksNameTheirLine) {
  std::stringstream marks("{\"t_ns\": 1, \"move\": \"1\", \"event\": \"pause\"}\nnot json\n");
  try {
    read_marks(marks);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
}

}  // namespace
}  // namespace roam6::probe
