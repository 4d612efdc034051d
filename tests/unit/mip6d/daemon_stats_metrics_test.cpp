// The `stats` tree as Prometheus metrics (stats_metrics.hpp): the naming and
// label rules, the text a scraper receives, and that docs/operations.md
// documents every metric either role exports, with or without the datapath.

#include "mip6d/daemon/stats_metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <prometheus/text_serializer.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "mip6d/daemon/stats_json.hpp"

namespace roam6::mip6d::daemon {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::string text_of(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

const MetricFamily* family(const std::vector<MetricFamily>& families, std::string_view name) {
  for (const auto& f : families)
    if (f.name == name) return &f;
  return nullptr;
}

TEST(StatsMetrics, NamesLabelsAndTypesFollowTheRules) {
  const json stats = json::parse(R"({
    "bu": {"received": 12, "accepted": 10,
           "dropped": {"bad_checksum": 1, "unknown_spi": 0},
           "refused_by_status": {"129": 2}},
    "bindings": {"current": 3, "created": 7},
    "ports": {"uplink": {"rx": {"frames": 40}}, "guests": {"rx": {"frames": 5}}},
    "control": {"connections": 1},
    "datapath": {"workers": 2,
                 "ports": {"uplink": {"device": "net_null0", "queues": 1,
                                      "rx": {"packets": 99}, "encapsulated": 17,
                                      "drop_hop_limit": 4}}}
  })");
  const auto families = stats_to_metrics(stats);
  const std::string text = text_of(families);

  // Rule 1 and 2: path joined with "_", counters end in _total.
  EXPECT_THAT(text, HasSubstr("# TYPE roam6_bu_received_total counter\nroam6_bu_received_total 12\n"));
  EXPECT_THAT(text, HasSubstr("# HELP roam6_bu_received_total mip6ctl stats: bu.received\n"));
  // Gauges keep their name.
  EXPECT_THAT(text, HasSubstr("# TYPE roam6_bindings_current gauge\nroam6_bindings_current 3\n"));
  EXPECT_THAT(text, HasSubstr("roam6_control_connections 1\n"));
  EXPECT_THAT(text, HasSubstr("roam6_datapath_workers 2\n"));
  EXPECT_THAT(text, HasSubstr("roam6_datapath_ports_queues{port=\"uplink\"} 1\n"));
  // Rule 3: maps become labels, zeros included.
  EXPECT_THAT(text, HasSubstr("roam6_bu_dropped_total{reason=\"bad_checksum\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("roam6_bu_dropped_total{reason=\"unknown_spi\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("# HELP roam6_bu_dropped_total mip6ctl stats: bu.dropped.REASON\n"));
  EXPECT_THAT(text, HasSubstr("roam6_bu_refused_by_status_total{status=\"129\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("roam6_ports_rx_frames_total{port=\"uplink\"} 40\n"));
  EXPECT_THAT(text, HasSubstr("roam6_ports_rx_frames_total{port=\"guests\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("roam6_datapath_ports_rx_packets_total{port=\"uplink\"} 99\n"));
  EXPECT_THAT(text, HasSubstr(
      "roam6_datapath_ports_disposition_packets_total{disposition=\"encapsulated\",port=\"uplink\"} 17\n"));
  EXPECT_THAT(text, HasSubstr(
      "roam6_datapath_ports_disposition_packets_total{disposition=\"drop_hop_limit\",port=\"uplink\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("# HELP roam6_datapath_ports_disposition_packets_total mip6ctl stats: "
                              "datapath.ports.PORT.DISPOSITION\n"));
  // Rule 4: strings are info gauges.
  EXPECT_THAT(text, HasSubstr("roam6_datapath_ports_device_info{device=\"net_null0\",port=\"uplink\"} 1\n"));
  // One family per name, each sample once.
  std::set<std::string> names;
  for (const auto& f : families) EXPECT_TRUE(names.insert(f.name).second) << f.name;
  ASSERT_NE(family(families, "roam6_bu_dropped_total"), nullptr);
  EXPECT_EQ(family(families, "roam6_bu_dropped_total")->metric.size(), 2u);
}

TEST(StatsMetrics, ACounterAddedToTheTreeIsExportedWithoutCode) {
  const auto families = stats_to_metrics(json::parse(
      R"({"rfc8200": {"discarded_by_reason": {"unknown_option": 3}, "parameter_problems_sent": 2}})"));
  const std::string text = text_of(families);
  EXPECT_THAT(text, HasSubstr("roam6_rfc8200_discarded_by_reason_total{reason=\"unknown_option\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("roam6_rfc8200_parameter_problems_sent_total 2\n"));
}

TEST(StatsMetrics, TwoPathsOnOneSampleAreRefused) {
  // "a.b_c" and "a_b.c" would both be roam6_a_b_c_total.
  EXPECT_THROW(stats_to_metrics(json::parse(R"({"a": {"b_c": 1}, "a_b": {"c": 2}})")), std::logic_error);
  // Two gauges: x.current (a level) and x_current (a flag).
  EXPECT_THROW(stats_to_metrics(json::parse(R"({"x": {"current": 1}, "x_current": true})")),
               std::logic_error);
}

TEST(StatsMetrics, NamesAreSanitised) {
  const auto families = stats_to_metrics(json::parse(R"({"odd-area": {"a.b": 1}})"));
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "roam6_odd_area_a_b_total");
  EXPECT_EQ(families[0].type, MetricType::Counter);
}

// ---- docs/operations.md lists every metric ------------------------------------

// The stats trees the daemon builds (Daemon::start_role), with every map
// entry that can occur.
std::vector<json> every_stats_tree() {
  ha::HomeAgentCounters ha_counters;
  ha_counters.refused_by_status[129] = 1;
  const ha::ReplayMemory replay(1024, std::chrono::seconds(7));
  host::HostCounters host_counters;
  datapath::DatapathStats datapath_stats;
  datapath_stats.devices[0] = datapath::DeviceStats{"net_null0", 1, 0, 0, 0, 0};
  datapath_stats.devices[1] = datapath::DeviceStats{"net_null1", 1, 0, 0, 0, 0};
  const json datapath = datapath_stats_json(datapath_stats, {}, 0, 0);

  std::vector<json> trees;
  for (const bool with_datapath : {false, true}) {
    for (json stats : {home_agent_stats_json(ha_counters, 0, replay), host_stats_json(host_counters, 0)}) {
      for (const char* port : {"uplink", "guests"}) {
        stats["ports"][port] = with_datapath ? port_stats_json(datapath::DpdkPacketIoCounters{})
                                             : port_stats_json(PacketSocketCounters{});
      }
      if (with_datapath) stats["datapath"] = datapath;
      stats["control"] = {{"connections", 1}};
      trees.push_back(stats);
    }
  }
  return trees;
}

// The metric names in the "Metrics" section's tables of docs/operations.md.
std::set<std::string> documented_metrics() {
  const auto path = std::filesystem::path(ROAM6_SOURCE_DIR) / "docs" / "operations.md";
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::set<std::string> names;
  const std::regex row(R"(^\| `(roam6_[a-z0-9_]+)`)");
  std::string line;
  std::smatch match;
  while (std::getline(in, line)) {
    if (std::regex_search(line, match, row)) names.insert(match[1]);
  }
  return names;
}

TEST(StatsMetrics, DocsListEveryMetricTheDaemonExports) {
  const std::set<std::string> documented = documented_metrics();
  // The listener's own two (metrics_listener.hpp).
  std::set<std::string> exported{"roam6_up", "roam6_info"};
  for (const json& tree : every_stats_tree()) {
    for (const auto& f : stats_to_metrics(tree)) exported.insert(f.name);
  }
  for (const auto& name : exported) {
    EXPECT_TRUE(documented.contains(name))
        << name << " is exported but not listed under \"Metrics\" in docs/operations.md";
  }
  for (const auto& name : documented) {
    EXPECT_TRUE(exported.contains(name))
        << name << " is listed in docs/operations.md but no role exports it";
  }
}

}  // namespace
}  // namespace roam6::mip6d::daemon
