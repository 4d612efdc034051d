#include "mip6d/daemon/stats_metrics.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "datapath/elements/datapath_counters.hpp"

namespace roam6::mip6d::daemon {
namespace {

using nlohmann::json;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr std::string_view prefix = "roam6_";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Rule 3: the label an object's keys stand for, by the object's own key.
std::optional<std::string> label_of_level(std::string_view key) {
  if (key == "ports") return "port";
  if (key == "dropped" || ends_with(key, "_by_reason")) return "reason";
  if (ends_with(key, "_by_status")) return "status";
  return std::nullopt;
}

bool is_disposition(std::string_view key) {
  for (std::size_t d = 0; d < datapath::disposition_count; ++d)
    if (datapath::to_string(static_cast<datapath::Disposition>(d)) == key) return true;
  return false;
}

std::string sanitised(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

struct Path {
  std::vector<std::string> names;  // the keys that make the metric name
  std::vector<std::string> help;   // the stats path, label levels as placeholders
  std::vector<ClientMetric::Label> labels;

  [[nodiscard]] Path with(std::string_view key) const {
    Path next = *this;
    next.names.emplace_back(key);
    next.help.emplace_back(key);
    return next;
  }
  [[nodiscard]] Path with_label(std::string_view label, std::string_view value) const {
    Path next = *this;
    next.help.push_back(upper(label));
    next.labels.push_back({std::string(label), std::string(value)});
    return next;
  }
  [[nodiscard]] std::string dotted() const { return join(names, "."); }
  [[nodiscard]] std::string help_text() const { return "mip6ctl stats: " + join(help, "."); }

  static std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const auto& part : parts) {
      if (!out.empty()) out += separator;
      out += part;
    }
    return out;
  }
};

class Collector {
 public:
  void walk(const json& node, const Path& path) {
    if (node.is_object()) {
      walk_object(node, path);
    } else if (node.is_number()) {
      const bool gauge = is_gauge(path.dotted());
      add(path, gauge ? MetricType::Gauge : MetricType::Counter, node.get<double>());
    } else if (node.is_boolean()) {
      add(path, MetricType::Gauge, node.get<bool>() ? 1.0 : 0.0);
    } else if (node.is_string()) {
      Path info = path;
      const std::string key = path.names.empty() ? "value" : path.names.back();
      info.names.back() += "_info";
      info.labels.push_back({sanitised(key), node.get<std::string>()});
      add(info, MetricType::Gauge, 1.0);
    }
    // null, arrays: nothing to sample.
  }

  std::vector<MetricFamily> take() {
    std::vector<MetricFamily> out;
    out.reserve(families_.size());
    for (auto& [name, family] : families_) out.push_back(std::move(family));
    return out;
  }

 private:
  void walk_object(const json& node, const Path& path) {
    const std::string key = path.names.empty() ? "" : path.names.back();
    const std::optional<std::string> label =
        path.help.empty() ? std::nullopt : label_of_level(path.help.back());
    if (label) {
      for (const auto& item : node.items()) walk(item.value(), path.with_label(*label, item.key()));
      return;
    }
    // datapath.ports.PORT: the packets by disposition sit beside the port's
    // own counters.
    const bool datapath_port = path.names == std::vector<std::string>{"datapath", "ports"} &&
                               !path.labels.empty() && path.labels.back().name == "port";
    for (const auto& item : node.items()) {
      if (datapath_port && item.value().is_number() && is_disposition(item.key())) {
        Path disposition = path.with("disposition_packets").with_label("disposition", item.key());
        disposition.help = path.help;
        disposition.help.push_back("DISPOSITION");
        add(disposition, MetricType::Counter, item.value().get<double>());
        continue;
      }
      walk(item.value(), path.with(item.key()));
    }
  }

  void add(const Path& path, MetricType type, double value) {
    std::string name = std::string(prefix) + sanitised(Path::join(path.names, "_"));
    if (type == MetricType::Counter) name += "_total";
    MetricFamily& family = families_[name];
    if (family.name.empty()) {
      family.name = name;
      family.help = path.help_text();
      family.type = type;
    } else if (family.type != type) {
      throw std::logic_error("stats path " + path.help_text() + " maps to metric " + name +
                             ", which another path already exports with another type");
    }
    std::vector<ClientMetric::Label> labels = path.labels;
    std::sort(labels.begin(), labels.end());
    if (!seen_[name].insert(labels).second) {
      throw std::logic_error("stats path " + path.help_text() + " maps to a sample of " + name +
                             " that another path already exports");
    }
    ClientMetric sample;
    sample.label = std::move(labels);
    if (type == MetricType::Counter) {
      sample.counter.value = value;
    } else {
      sample.gauge.value = value;
    }
    family.metric.push_back(std::move(sample));
  }

  std::map<std::string, MetricFamily> families_;
  std::map<std::string, std::set<std::vector<ClientMetric::Label>>> seen_;
};

}  // namespace

bool is_gauge(std::string_view dotted_name) {
  static const std::set<std::string_view> gauges = {
      "control.connections",   "datapath.workers",      "datapath.table.tunnels",
      "datapath.table.guests", "datapath.ports.queues", "replay.records",
      "replay.limit",          "replay.floor_active",
  };
  return dotted_name == "current" || ends_with(dotted_name, ".current") ||
         gauges.contains(dotted_name);
}

std::vector<MetricFamily> stats_to_metrics(const json& stats) {
  Collector collector;
  collector.walk(stats, Path{});
  return collector.take();
}

}  // namespace roam6::mip6d::daemon
