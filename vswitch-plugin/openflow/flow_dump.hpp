#pragma once
// One flow as `ovs-ofctl -O OpenFlow13 dump-flows` prints it, and the parser
// of that output. Pure: the runner feeds it the child's stdout.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roam6::vswitch {

struct FlowRecord {
  std::uint64_t cookie = 0;
  std::uint8_t table = 0;
  std::uint16_t priority = 32768;  // OpenFlow's default; ovs-ofctl omits it then
  std::string match;               // "in_port=2,dl_src=..." as printed, without priority
  std::uint64_t n_packets = 0;
  std::uint64_t n_bytes = 0;
  std::string actions;             // "goto_table:1", "output:1,output:3", "drop"
  bool operator==(const FlowRecord&) const = default;
};

// One field of a match ("in_port" -> "2"); nullopt when absent. Matches
// without a value ("ipv6") give "".
std::optional<std::string> match_field(std::string_view match, std::string_view key);

struct DumpParse {
  std::vector<FlowRecord> flows;
  std::vector<std::string> unparsed;  // lines that were neither a flow nor the reply header
};

// Parses the whole stdout of dump-flows. Header lines ("OFPST_FLOW reply")
// are skipped; a line that does not parse is returned in `unparsed`.
DumpParse parse_dump_flows(std::string_view text);
std::optional<FlowRecord> parse_flow_line(std::string_view line);

}  // namespace roam6::vswitch
