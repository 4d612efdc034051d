#include "vswitch-plugin/openflow/flow_dump.hpp"

#include <array>
#include <charconv>

namespace roam6::vswitch {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <class T>
bool parse_number(std::string_view text, T& out, int base = 10) {
  if (base == 16 && (text.starts_with("0x") || text.starts_with("0X"))) text.remove_prefix(2);
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc{} && end == text.data() + text.size();
}

// The statistics ovs-ofctl prints before the match (ofp-flow.c,
// ofputil_flow_stats_format), keyed or bare.
constexpr std::array kStatKeys{"cookie",   "duration",  "table",   "n_packets", "n_bytes",   "idle_timeout",
                               "hard_timeout", "idle_age", "hard_age", "importance"};
constexpr std::array kStatFlags{"send_flow_rem", "check_overlap", "reset_counts", "no_packet_counts",
                                "no_byte_counts", "no_readonly_table"};

bool is_stat(std::string_view token) {
  const auto eq = token.find('=');
  const std::string_view key = token.substr(0, eq);
  if (eq == std::string_view::npos) {
    for (const char* flag : kStatFlags) {
      if (key == flag) return true;
    }
    return false;
  }
  for (const char* stat : kStatKeys) {
    if (key == stat) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> match_field(std::string_view match, std::string_view key) {
  while (!match.empty()) {
    const auto comma = match.find(',');
    const std::string_view field = match.substr(0, comma);
    const auto eq = field.find('=');
    if (field.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string() : std::string(field.substr(eq + 1));
    }
    if (comma == std::string_view::npos) break;
    match.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

std::optional<FlowRecord> parse_flow_line(std::string_view line) {
  line = trim(line);
  const auto actions_at = line.rfind(" actions=");
  if (actions_at == std::string_view::npos) return std::nullopt;
  FlowRecord flow;
  flow.actions = std::string(trim(line.substr(actions_at + 9)));
  std::string_view head = line.substr(0, actions_at);

  // Statistics are ", "-separated; the match follows the last of them and
  // is ","-separated (no space), starting with priority unless it is the
  // default.
  bool have_table = false;
  bool have_cookie = false;
  std::string_view match;
  while (!head.empty()) {
    const auto sep = head.find(", ");
    const std::string_view token = trim(head.substr(0, sep));
    if (is_stat(token)) {
      const auto eq = token.find('=');
      const std::string_view key = token.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? "" : token.substr(eq + 1);
      if (key == "cookie") {
        if (!parse_number(value, flow.cookie, 16)) return std::nullopt;
        have_cookie = true;
      } else if (key == "table") {
        unsigned t = 0;
        if (!parse_number(value, t) || t > 254) return std::nullopt;
        flow.table = static_cast<std::uint8_t>(t);
        have_table = true;
      } else if (key == "n_packets") {
        if (!parse_number(value, flow.n_packets)) return std::nullopt;
      } else if (key == "n_bytes") {
        if (!parse_number(value, flow.n_bytes)) return std::nullopt;
      }
    } else {
      match = head;  // the rest, whatever it holds
      break;
    }
    if (sep == std::string_view::npos) break;
    head.remove_prefix(sep + 2);
  }
  if (!have_cookie || !have_table) return std::nullopt;

  std::string rest;
  while (!match.empty()) {
    const auto comma = match.find(',');
    const std::string_view field = match.substr(0, comma);
    if (field.starts_with("priority=")) {
      unsigned p = 0;
      if (!parse_number(field.substr(9), p) || p > 0xffff) return std::nullopt;
      flow.priority = static_cast<std::uint16_t>(p);
    } else if (!field.empty()) {
      if (!rest.empty()) rest += ',';
      rest += field;
    }
    if (comma == std::string_view::npos) break;
    match.remove_prefix(comma + 1);
  }
  flow.match = std::move(rest);
  return flow;
}

DumpParse parse_dump_flows(std::string_view text) {
  DumpParse result;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    if (!line.empty() && !line.starts_with("OFPST_FLOW reply") && !line.starts_with("NXST_FLOW reply")) {
      if (auto flow = parse_flow_line(line)) {
        result.flows.push_back(std::move(*flow));
      } else {
        result.unparsed.emplace_back(line);
      }
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return result;
}

}  // namespace roam6::vswitch
