#include "tests/support/vswitch/fake_flow_channel.hpp"

#include <stdexcept>

namespace roam6::vswitch::test {

void FakeFlowChannel::install(std::uint64_t cookie, std::vector<std::string> flows, InstallDone done) {
  ++installs_requested;
  installs.push_back({cookie, std::move(flows), std::move(done)});
}

void FakeFlowChannel::dump(std::uint64_t cookie, DumpDone done) {
  ++dumps_requested;
  dumps.push_back({cookie, std::move(done)});
}

void FakeFlowChannel::answer_install(ChannelStatus status, const std::string& error) {
  if (installs.empty()) throw std::logic_error("no install pending");
  auto request = std::move(installs.front());
  installs.pop_front();
  if (status == ChannelStatus::ok) {
    table = request.flows;
    packets.clear();  // new flows start at zero, as in OVS
  }
  request.done(status, error);
}

void FakeFlowChannel::answer_dump(ChannelStatus status, const std::string& error) {
  if (dumps.empty()) throw std::logic_error("no dump pending");
  auto request = std::move(dumps.front());
  dumps.pop_front();
  request.done(status, status == ChannelStatus::ok ? records() : std::vector<FlowRecord>{}, error);
}

void FakeFlowChannel::answer_all() {
  while (!installs.empty() || !dumps.empty()) {
    if (!installs.empty()) {
      answer_install();
    } else {
      answer_dump();
    }
  }
}

std::vector<FlowRecord> FakeFlowChannel::records() const {
  // Specs are "cookie=C,table=T,priority=P,<match>,actions=A".
  std::vector<FlowRecord> result;
  for (const auto& spec : table) {
    FlowRecord record;
    std::string rest = spec;
    const auto take = [&rest](const std::string& key) {
      if (rest.rfind(key + "=", 0) != 0) throw std::logic_error("fake flow table: bad spec " + rest);
      const auto comma = rest.find(',');
      std::string value = rest.substr(key.size() + 1, comma - key.size() - 1);
      rest = rest.substr(comma + 1);
      return value;
    };
    record.cookie = std::stoull(take("cookie"), nullptr, 16);
    record.table = static_cast<std::uint8_t>(std::stoul(take("table")));
    record.priority = static_cast<std::uint16_t>(std::stoul(take("priority")));
    const auto actions_at = rest.rfind("actions=");
    record.actions = rest.substr(actions_at + 8);
    record.match = actions_at == 0 ? "" : rest.substr(0, actions_at - 1);
    for (const auto& [flow, count] : packets) {
      if (flow == spec) record.n_packets = count;
    }
    result.push_back(std::move(record));
  }
  return result;
}

}  // namespace roam6::vswitch::test
