#include "tests/support/vswitch/fake_flow_channel.hpp"

#include <stdexcept>

namespace roam6::vswitch::test {

void FakeFlowChannel::install(std::uint64_t cookie, std::vector<std::string> flows, InstallDone done) {
  ++installs_requested;
  installs.push_back({cookie, std::move(flows), std::move(done)});
}

void FakeFlowChannel::update(std::uint64_t cookie, std::vector<std::string> remove, std::vector<std::string> add,
                             InstallDone done) {
  ++updates_requested;
  updates.push_back({cookie, std::move(remove), std::move(add), std::move(done)});
}

void FakeFlowChannel::answer_update(ChannelStatus status, const std::string& error) {
  if (updates.empty()) throw std::logic_error("no update pending");
  auto request = std::move(updates.front());
  updates.pop_front();
  if (status == ChannelStatus::ok) {
    const auto match_of = [](const std::string& spec) { return spec.substr(0, spec.rfind(",actions=")); };
    for (const auto& gone : request.remove) {
      std::erase_if(table, [&](const std::string& flow) { return match_of(flow) == match_of(gone); });
      std::erase_if(packets, [&](const auto& entry) { return match_of(entry.first) == match_of(gone); });
    }
    for (const auto& flow : request.add) {
      std::erase_if(table, [&](const std::string& old) { return match_of(old) == match_of(flow); });
      table.push_back(flow);
    }
  }
  request.done(status, error);
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
  while (!installs.empty() || !updates.empty() || !dumps.empty()) {
    if (!installs.empty()) {
      answer_install();
    } else if (!updates.empty()) {
      answer_update();
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
