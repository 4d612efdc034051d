#pragma once
// The `stats` tree (what `mip6ctl stats` shows, stats_json.hpp) as Prometheus
// metric families. Derived by rules, not a list of counters, so that a
// counter added to the tree later is exported without code here:
//
//  1. Each number in the tree is one sample. Its name is "roam6_" followed by
//     the keys on its path joined with "_" (bu.accepted -> roam6_bu_accepted),
//     leaving out the levels that are labels (rule 3).
//  2. A gauge keeps that name; a counter gets "_total". Gauges are the
//     paths that can go down (is_gauge(): "*.current", table sizes, open
//     connections, workers, queues); every other number is a counter.
//  3. A level whose keys are values rather than names becomes a label:
//       the keys of an object called "ports"         -> port="uplink"
//       the keys of an object called "dropped"       -> reason="bad_checksum"
//       the keys of an object called "*_by_status"   -> status="129"
//       the keys of an object called "*_by_reason"   -> reason="..."
//     and under datapath.ports.PORT the keys naming a packet's disposition
//     (datapath/elements/datapath_counters.hpp) become
//       roam6_datapath_ports_disposition_packets_total{port, disposition}.
//  4. A string is an info gauge of value 1 with the string as a label named
//     after its key: datapath.ports.uplink.device = "net_null0" ->
//     roam6_datapath_ports_device_info{port="uplink",device="net_null0"} 1.
//     A boolean is a gauge of 0 or 1; null and arrays are left out.
//  5. Characters other than [a-zA-Z0-9_] in a name become "_".
//
// The HELP text of each family is its stats path with the labels as
// upper-case placeholders ("mip6ctl stats: bu.dropped.REASON").

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <prometheus/metric_family.h>

namespace roam6::mip6d::daemon {

// Families sorted by name, samples in tree order. Throws std::logic_error
// when two paths map to one name with different types or to one sample
// (a stats tree the rules cannot express: a bug to fix where it is added).
std::vector<prometheus::MetricFamily> stats_to_metrics(const nlohmann::json& stats);

// Rule 2, on the path with label levels removed ("bindings.current",
// "datapath.ports.queues").
bool is_gauge(std::string_view dotted_name);

}  // namespace roam6::mip6d::daemon
