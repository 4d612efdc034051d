#include "testbed/probe/move_report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace roam6::probe {
namespace {

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

double median_interval_ms(const std::vector<ProbeRecord>& records) {
  if (records.size() < 2) return 0;
  std::vector<std::uint64_t> gaps;
  gaps.reserve(records.size() - 1);
  for (std::size_t i = 1; i < records.size(); ++i) gaps.push_back(records[i].sent_ns - records[i - 1].sent_ns);
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
  return ms(gaps[gaps.size() / 2]);
}

}  // namespace

std::vector<Mark> read_marks(std::istream& in) {
  std::vector<Mark> marks;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("t_ns") || !j["t_ns"].is_number_unsigned() ||
        !j.contains("move") || !j.contains("event") || !j["event"].is_string())
      throw std::runtime_error("marks line " + std::to_string(number) +
                               ": expected {\"t_ns\": N, \"move\": ..., \"event\": \"...\"}");
    const auto& move = j["move"];
    marks.push_back({j["t_ns"].get<std::uint64_t>(), move.is_string() ? move.get<std::string>() : move.dump(),
                     j["event"].get<std::string>()});
  }
  std::stable_sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) { return a.t_ns < b.t_ns; });
  return marks;
}

ProbeReport report(const Timeline& timeline, const std::vector<Mark>& marks) {
  const auto& records = timeline.records();
  ProbeReport out;
  out.sent = records.size();
  out.interval_ms = median_interval_ms(records);
  for (const auto& r : records) {
    if (r.copies > 0) ++out.answered;
    else ++out.lost;
    if (r.copies > 1) out.duplicated += r.copies - 1;
    if (r.reordered) ++out.reordered;
  }

  // The moves in the order they started.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Mark*>> by_move;
  for (const Mark& m : marks) {
    if (by_move.find(m.move) == by_move.end()) order.push_back(m.move);
    by_move[m.move].push_back(&m);
  }
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto& own = by_move[order[k]];
    const std::uint64_t start = own.front()->t_ns;
    const std::uint64_t end = k + 1 < order.size() ? by_move[order[k + 1]].front()->t_ns : UINT64_MAX;
    MoveReport m;
    m.move = order[k];
    std::optional<std::uint64_t> pause, resume;
    for (const Mark* mark : own) {
      if (mark->event == "pause" && !pause) pause = mark->t_ns;
      if (mark->event == "resume" && !resume) resume = mark->t_ns;
    }
    if (pause && resume && *resume >= *pause) m.pause_ms = ms(*resume - *pause);
    const std::uint64_t origin = pause.value_or(start);
    // The first of each event counts (a retransmitted BU is still the BU).
    for (const Mark* mark : own)
      m.events_ms.emplace(mark->event, mark->t_ns >= origin ? ms(mark->t_ns - origin) : -ms(origin - mark->t_ns));

    // The last probe answered before the window anchors its first gap.
    std::optional<std::uint64_t> previous_answered;
    for (const auto& r : records) {
      if (r.sent_ns >= start) break;
      if (r.copies > 0) previous_answered = r.sent_ns;
    }
    std::uint64_t longest = 0;
    std::optional<std::uint64_t> last_sent_in_window;
    for (const auto& r : records) {
      if (r.sent_ns < start || r.sent_ns >= end) continue;
      ++m.sent;
      last_sent_in_window = r.sent_ns;
      if (r.copies == 0) {
        ++m.lost;
        continue;
      }
      if (r.copies > 1) m.duplicated += r.copies - 1;
      if (r.reordered) ++m.reordered;
      if (previous_answered) longest = std::max(longest, r.sent_ns - *previous_answered);
      previous_answered = r.sent_ns;
    }
    // Nothing answered after some point of the window: the outage lasts to
    // its last probe at least.
    if (previous_answered && last_sent_in_window && *last_sent_in_window > *previous_answered)
      longest = std::max(longest, *last_sent_in_window - *previous_answered);
    m.longest_gap_ms = ms(longest);
    m.outage_ms = std::max(0.0, m.longest_gap_ms - out.interval_ms);
    if (m.pause_ms) m.added_ms = std::max(0.0, m.outage_ms - *m.pause_ms);
    out.moves.push_back(std::move(m));
  }
  return out;
}

nlohmann::json to_json(const ProbeReport& r) {
  nlohmann::json moves = nlohmann::json::array();
  for (const auto& m : r.moves) {
    moves.push_back({{"move", m.move},
                     {"sent", m.sent},
                     {"lost", m.lost},
                     {"duplicated", m.duplicated},
                     {"reordered", m.reordered},
                     {"longest_gap_ms", m.longest_gap_ms},
                     {"outage_ms", m.outage_ms},
                     {"pause_ms", m.pause_ms ? nlohmann::json(*m.pause_ms) : nlohmann::json(nullptr)},
                     {"added_ms", m.added_ms ? nlohmann::json(*m.added_ms) : nlohmann::json(nullptr)},
                     {"events_ms", m.events_ms}});
  }
  return {{"sent", r.sent},         {"answered", r.answered},   {"lost", r.lost},
          {"duplicated", r.duplicated}, {"reordered", r.reordered}, {"interval_ms", r.interval_ms},
          {"moves", moves}};
}

std::string to_text(const ProbeReport& r) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "probes: %llu sent, %llu answered, %llu lost, %llu duplicated, %llu reordered, every %.3f ms\n",
                static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.answered),
                static_cast<unsigned long long>(r.lost), static_cast<unsigned long long>(r.duplicated),
                static_cast<unsigned long long>(r.reordered), r.interval_ms);
  out << line;
  for (const auto& m : r.moves) {
    std::snprintf(line, sizeof line,
                  "move %s: outage %.1f ms (guest's own pause %s ms, added %s ms), %llu lost, %llu duplicated, %llu reordered\n",
                  m.move.c_str(), m.outage_ms, m.pause_ms ? std::to_string(*m.pause_ms).substr(0, 6).c_str() : "?",
                  m.added_ms ? std::to_string(*m.added_ms).substr(0, 6).c_str() : "?",
                  static_cast<unsigned long long>(m.lost), static_cast<unsigned long long>(m.duplicated),
                  static_cast<unsigned long long>(m.reordered));
    out << line;
  }
  return out.str();
}

}  // namespace roam6::probe
