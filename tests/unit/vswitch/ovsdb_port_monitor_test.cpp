// PortMonitor against a scripted fake ovsdb-server: the monitor_cond /
// update2 exchange (ovsdb-server(7) 4.1.12-4.1.14), the RFC 7047 monitor /
// update fallback (4.1.5, 4.1.6), echo (4.1.11), unframed JSON texts
// (section 3), and reconnect/resync behaviour.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "mip6d/runtime/asio_scheduler.hpp"
#include "mip6d/runtime/log.hpp"
#include "ovsdb_test_rows.hpp"
#include "tests/support/vswitch/fake_ovsdb_server.hpp"
#include "vswitch-plugin/ovsdb/port_monitor.hpp"

namespace roam6::vswitch::ovsdb {
namespace {

using namespace test_rows;
using namespace std::chrono_literals;
using roam6::vswitch::testing::FakeOvsdbServer;
using roam6::vswitch::testing::run_for;
using roam6::vswitch::testing::run_until;
namespace fs = std::filesystem;

constexpr const char* mac1 = "52:54:00:00:00:01";
constexpr const char* mac2 = "52:54:00:00:00:02";

struct TestInterface {
  int n;
  Json row;
};

// <table-updates2> of a monitor_cond reply: bridge br-test holding one port
// per interface, plus br-other with an interface that is never ours.
Json initial_update2(const std::vector<TestInterface>& interfaces) {
  Json ports = Json::array();
  Json updates = {{"Bridge", Json::object()}, {"Port", Json::object()}, {"Interface", Json::object()}};
  for (const auto& iface : interfaces) {
    ports.push_back(uuid(port_uuid(iface.n)));
    updates["Port"][port_uuid(iface.n)] = {
        {"initial", {{"name", iface.row["name"]}, {"interfaces", uuid(iface_uuid(iface.n))}}}};
    updates["Interface"][iface_uuid(iface.n)] = {{"initial", iface.row}};
  }
  updates["Bridge"][bridge_uuid] = {{"initial", {{"name", "br-test"}, {"ports", Json::array({"set", ports})}}}};
  updates["Bridge"][other_bridge_uuid] = {{"initial", {{"name", "br-other"}, {"ports", uuid(port_uuid(9))}}}};
  updates["Port"][port_uuid(9)] = {{"initial", {{"name", "other0"}, {"interfaces", uuid(iface_uuid(9))}}}};
  updates["Interface"][iface_uuid(9)] = {{"initial", libvirt_interface("other0", "52:54:00:00:00:09", Json(1))}};
  return updates;
}

class OvsdbPortMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "roam6-ovsdb-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    server_ = std::make_unique<FakeOvsdbServer>(io_, dir_ / "db.sock");
  }
  void TearDown() override {
    monitor_.reset();
    server_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  void start_monitor(std::size_t max_message_bytes = 1024 * 1024,
                     mip6d::Duration probe_interval = std::chrono::seconds(5)) {
    PortMonitorConfig config;
    config.probe_interval = probe_interval;
    config.endpoint = *Endpoint::parse("unix:" + (dir_ / "db.sock").string());
    config.bridge = "br-test";
    config.max_message_bytes = max_message_bytes;
    monitor_ = std::make_unique<PortMonitor>(io_, scheduler_, logger_, config,
                                             [this](const std::vector<PortChange>& changes) { batches_.push_back(changes); });
    monitor_->start();
  }

  // Answers every monitor_cond with `initial` (read at the time of the request).
  void serve_update2(const Json* initial) {
    server_->on_message([initial](FakeOvsdbServer& server, const Json& message) {
      if (message.value("method", "") == "monitor_cond") server.reply(message["id"], *initial);
    });
  }

  Json monitor_id() const { return server_->received_requests("monitor_cond").back()["params"][1]; }
  void notify_update2(const Json& updates) {
    server_->send(Json{{"method", "update2"}, {"params", Json::array({monitor_id(), updates})}, {"id", nullptr}});
  }
  bool wait_batches(std::size_t count) { return run_until(io_, [&] { return batches_.size() >= count; }); }
  bool logged(const std::string& event, const std::string& text) const {
    for (const auto& line : log_) {
      if (line.find(event) != std::string::npos && line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  boost::asio::io_context io_;
  mip6d::AsioScheduler scheduler_{io_};
  std::vector<std::string> log_;
  mip6d::Logger logger_{mip6d::LogLevel::debug,
                        [this](mip6d::LogLevel, std::string_view line) { log_.emplace_back(line); }};
  fs::path dir_;
  std::unique_ptr<FakeOvsdbServer> server_;
  std::unique_ptr<PortMonitor> monitor_;
  std::vector<std::vector<PortChange>> batches_;
};

TEST_F(OvsdbPortMonitorTest, Update2InitialInsertModifyDelete) {
  const Json initial = initial_update2({{1, libvirt_interface("vnet0", mac1)}});
  serve_update2(&initial);
  start_monitor();
  ASSERT_TRUE(wait_batches(1));
  EXPECT_TRUE(monitor_->connected());

  // The request (ovsdb-server(7) 4.1.12): [db, json-value, {table: [{"columns": [...]}]}].
  const auto request = server_->received_requests("monitor_cond").at(0);
  EXPECT_EQ(request["params"][0], "Open_vSwitch");
  EXPECT_EQ(request["params"][2]["Bridge"], Json::parse(R"([{"columns":["name","ports"]}])"));
  EXPECT_EQ(request["params"][2]["Port"], Json::parse(R"([{"columns":["name","interfaces"]}])"));
  EXPECT_EQ(request["params"][2]["Interface"],
            Json::parse(R"([{"columns":["name","type","ofport","external_ids","mac_in_use"]}])"));

  ASSERT_EQ(batches_[0].size(), 1u);  // br-other's interface is not reported
  const auto& added = batches_[0][0];
  EXPECT_EQ(added.kind, PortChange::Kind::added);
  ASSERT_TRUE(added.after);
  EXPECT_FALSE(added.before);
  EXPECT_EQ(added.after->uuid, iface_uuid(1));
  EXPECT_EQ(added.after->name, "vnet0");
  EXPECT_EQ(added.after->type, "");  // omitted in "initial": the default
  EXPECT_EQ(added.after->bridge, "br-test");
  EXPECT_FALSE(added.after->ofport);  // ["set",[]]: not assigned yet
  EXPECT_EQ(added.after->attached_mac, wire::MacAddr::parse(mac1));
  EXPECT_EQ(added.after->iface_id, "c0ffee00-0000-4000-8000-0000000000aa");
  EXPECT_EQ(added.after->vm_id, "d0d0d0d0-0000-4000-8000-0000000000bb");
  EXPECT_TRUE(added.after->active);

  // The late ofport: a single-valued column's modify carries the new value.
  notify_update2({{"Interface", {{iface_uuid(1), {{"modify", {{"ofport", 5}}}}}}}});
  ASSERT_TRUE(wait_batches(2));
  ASSERT_EQ(batches_[1].size(), 1u);
  EXPECT_EQ(batches_[1][0].kind, PortChange::Kind::changed);
  EXPECT_FALSE(batches_[1][0].before->ofport);
  EXPECT_EQ(batches_[1][0].after->ofport, 5u);

  // Map diff, changed value: replaced.
  notify_update2({{"Interface", {{iface_uuid(1), {{"modify", {{"external_ids", map({{"iface-status", "inactive"}})}}}}}}}});
  ASSERT_TRUE(wait_batches(3));
  EXPECT_TRUE(batches_[2].at(0).before->active);
  EXPECT_FALSE(batches_[2].at(0).after->active);

  // Map diff: same value -> key removed; new key -> added.
  notify_update2({{"Interface",
                   {{iface_uuid(1),
                     {{"modify", {{"external_ids", map({{"vm-id", "d0d0d0d0-0000-4000-8000-0000000000bb"},
                                                        {"vm-uuid", "0e0e0e0e-0000-4000-8000-0000000000cc"}})}}}}}}}});
  ASSERT_TRUE(wait_batches(4));
  EXPECT_EQ(batches_[3].at(0).after->vm_id, "0e0e0e0e-0000-4000-8000-0000000000cc");  // OpenStack's key now
  EXPECT_FALSE(batches_[3].at(0).after->active);  // untouched keys stay

  // Insert: a new Port and Interface, and the bridge's ports set diff (one
  // element, sent as the bare atom) adds the port.
  Json iface2 = libvirt_interface("vnet1", mac2, Json(6));
  iface2["type"] = "tap";
  iface2["mac_in_use"] = "fe:54:00:00:00:02";
  notify_update2({{"Bridge", {{bridge_uuid, {{"modify", {{"ports", uuid(port_uuid(2))}}}}}}},
                  {"Port", {{port_uuid(2), {{"insert", {{"name", "vnet1"}, {"interfaces", uuid(iface_uuid(2))}}}}}}},
                  {"Interface", {{iface_uuid(2), {{"insert", iface2}}}}}});
  ASSERT_TRUE(wait_batches(5));
  ASSERT_EQ(batches_[4].size(), 1u);
  EXPECT_EQ(batches_[4][0].kind, PortChange::Kind::added);
  EXPECT_EQ(batches_[4][0].after->name, "vnet1");
  EXPECT_EQ(batches_[4][0].after->type, "tap");
  EXPECT_EQ(batches_[4][0].after->ofport, 6u);
  EXPECT_EQ(batches_[4][0].after->mac_in_use, wire::MacAddr::parse("fe:54:00:00:00:02"));

  // Delete: the ports set diff names port 1 again (-> removed), rows deleted.
  notify_update2({{"Bridge", {{bridge_uuid, {{"modify", {{"ports", set({uuid(port_uuid(1))})}}}}}}},
                  {"Port", {{port_uuid(1), {{"delete", nullptr}}}}},
                  {"Interface", {{iface_uuid(1), {{"delete", nullptr}}}}}});
  ASSERT_TRUE(wait_batches(6));
  ASSERT_EQ(batches_[5].size(), 1u);
  EXPECT_EQ(batches_[5][0].kind, PortChange::Kind::removed);
  EXPECT_EQ(batches_[5][0].before->name, "vnet0");
  EXPECT_FALSE(batches_[5][0].after);

  EXPECT_EQ(monitor_->ports().size(), 1u);
  EXPECT_EQ(monitor_->counters().updates, 6u);
  EXPECT_EQ(monitor_->counters().connects, 1u);
  EXPECT_EQ(monitor_->counters().disconnects, 0u);
  EXPECT_EQ(server_->garbage_bytes(), 0u);
}

TEST_F(OvsdbPortMonitorTest, FallsBackToMonitorWhenMonitorCondIsUnknown) {
  // RFC 7047 4.1.6 <row-update>: "new" only for insert/initial, "old"+"new" for modify, "old" for delete.
  const Json initial = {
      {"Bridge", {{bridge_uuid, {{"new", {{"name", "br-test"}, {"ports", uuid(port_uuid(1))}}}}}}},
      {"Port", {{port_uuid(1), {{"new", {{"name", "vnet0"}, {"interfaces", uuid(iface_uuid(1))}}}}}}},
      {"Interface", {{iface_uuid(1), {{"new", libvirt_interface("vnet0", mac1)}}}}}};
  server_->on_message([&](FakeOvsdbServer& server, const Json& message) {
    const auto method = message.value("method", "");
    // What an ovsdb-server without monitor_cond answers (jsonrpc "unknown method").
    if (method == "monitor_cond") server.reply_error(message["id"], "unknown method");
    if (method == "monitor") server.reply(message["id"], initial);
  });
  start_monitor();
  ASSERT_TRUE(wait_batches(1));
  EXPECT_EQ(batches_[0].at(0).kind, PortChange::Kind::added);
  EXPECT_EQ(monitor_->counters().monitor_fallbacks, 1u);
  ASSERT_EQ(server_->received_requests("monitor").size(), 1u);
  const auto request = server_->received_requests("monitor")[0];
  EXPECT_EQ(request["params"][2]["Interface"],
            Json::parse(R"({"columns":["name","type","ofport","external_ids","mac_in_use"]})"));
  const Json id = request["params"][1];

  Json with_ofport = libvirt_interface("vnet0", mac1, Json(4));
  server_->send({{"method", "update"},
                 {"params", Json::array({id, {{"Interface", {{iface_uuid(1), {{"old", {{"ofport", empty_set()}}}, {"new", with_ofport}}}}}}})},
                 {"id", nullptr}});
  ASSERT_TRUE(wait_batches(2));
  EXPECT_EQ(batches_[1].at(0).kind, PortChange::Kind::changed);
  EXPECT_EQ(batches_[1].at(0).after->ofport, 4u);

  // update2 is not ours in this mode and must be ignored.
  server_->send({{"method", "update2"},
                 {"params", Json::array({id, {{"Interface", {{iface_uuid(1), {{"delete", nullptr}}}}}}})},
                 {"id", nullptr}});
  Json deletion = Json::object();
  deletion["Bridge"][bridge_uuid] = {{"old", {{"ports", uuid(port_uuid(1))}}},
                                     {"new", {{"name", "br-test"}, {"ports", empty_set()}}}};
  deletion["Port"][port_uuid(1)] = {{"old", {{"name", "vnet0"}}}};
  deletion["Interface"][iface_uuid(1)] = {{"old", with_ofport}};
  server_->send({{"method", "update"}, {"params", Json::array({id, deletion})}, {"id", nullptr}});
  ASSERT_TRUE(wait_batches(3));
  ASSERT_EQ(batches_[2].size(), 1u);
  EXPECT_EQ(batches_[2][0].kind, PortChange::Kind::removed);
  EXPECT_EQ(monitor_->counters().updates, 3u);
  EXPECT_EQ(monitor_->counters().disconnects, 0u);
}

TEST_F(OvsdbPortMonitorTest, AnswersEchoWithItsParams) {
  const Json initial = initial_update2({});
  serve_update2(&initial);
  start_monitor();
  ASSERT_TRUE(run_until(io_, [&] { return monitor_->connected(); }));
  // RFC 7047 4.1.11: "the reply's result is the request's params".
  server_->send({{"method", "echo"}, {"params", Json::array({"ping", 7})}, {"id", "echo-7"}});
  ASSERT_TRUE(run_until(io_, [&] {
    for (const auto& message : server_->received()) {
      if (message.contains("id") && message["id"] == "echo-7") return true;
    }
    return false;
  }));
  for (const auto& message : server_->received()) {
    if (!message.contains("id") || message["id"] != "echo-7") continue;
    EXPECT_EQ(message["result"], Json::array({"ping", 7}));
    EXPECT_TRUE(message["error"].is_null());
    EXPECT_FALSE(message.contains("method"));
  }
  EXPECT_EQ(monitor_->counters().echo_answered, 1u);
  EXPECT_TRUE(monitor_->connected());
}

TEST_F(OvsdbPortMonitorTest, MessagesSplitByteByByteAndGluedTogether) {
  const Json initial = initial_update2({{1, libvirt_interface("vnet0", mac1)}});
  server_->on_message([&](FakeOvsdbServer& server, const Json& message) {
    if (message.value("method", "") != "monitor_cond") return;
    const std::string reply = Json{{"id", message["id"]}, {"result", initial}, {"error", nullptr}}.dump();
    server.send_raw(reply, 1, 50us);
  });
  start_monitor();
  ASSERT_TRUE(wait_batches(1));
  ASSERT_EQ(batches_[0].size(), 1u);

  // Two notifications and an echo in one write, with whitespace between them.
  auto notification = [&](Json updates) {
    return Json{{"method", "update2"}, {"params", Json::array({monitor_id(), updates})}, {"id", nullptr}}.dump();
  };
  const std::string glued =
      notification({{"Interface", {{iface_uuid(1), {{"modify", {{"ofport", 3}}}}}}}}) + "\n" +
      notification({{"Interface", {{iface_uuid(1), {{"modify", {{"name", "vnet0-renamed"}}}}}}}}) +
      R"({"method":"echo","params":[],"id":"e1"})";
  server_->send_raw(glued);
  ASSERT_TRUE(wait_batches(3));
  EXPECT_EQ(batches_[1].at(0).after->ofport, 3u);
  EXPECT_EQ(batches_[2].at(0).after->name, "vnet0-renamed");
  ASSERT_TRUE(run_until(io_, [&] { return monitor_->counters().echo_answered == 1; }));
  EXPECT_EQ(monitor_->counters().disconnects, 0u);
}

TEST_F(OvsdbPortMonitorTest, OversizeMessageDropsTheSessionAndResyncs) {
  const Json initial = initial_update2({{1, libvirt_interface("vnet0", mac1)}});
  serve_update2(&initial);
  start_monitor(/*max_message_bytes=*/4096);
  ASSERT_TRUE(wait_batches(1));

  server_->send({{"method", "update2"},
                 {"params", Json::array({monitor_id(), {{"Interface", {{iface_uuid(1), {{"modify", {{"name", std::string(10000, 'x')}}}}}}}}})},
                 {"id", nullptr}});
  ASSERT_TRUE(run_until(io_, [&] { return server_->accepted() == 2 && monitor_->connected(); }));
  EXPECT_EQ(monitor_->counters().disconnects, 1u);
  EXPECT_EQ(monitor_->counters().connects, 2u);
  EXPECT_TRUE(logged("ovsdb_disconnected", "longer than 4096 bytes"));
  EXPECT_EQ(server_->received_requests("monitor_cond").size(), 2u);
  // The oversize update was never applied, and the resync found what we had.
  run_for(io_, 100ms);
  EXPECT_EQ(batches_.size(), 1u);
  EXPECT_EQ(monitor_->ports().at(iface_uuid(1)).name, "vnet0");
}

TEST_F(OvsdbPortMonitorTest, GarbageExternalIdsAreSkippedWithTheirUuid) {
  const Json initial = initial_update2({{1, libvirt_interface("vnet0", mac1)},
                                        {2, libvirt_interface("vnet1", "not-a-mac")}});
  serve_update2(&initial);
  start_monitor();
  ASSERT_TRUE(wait_batches(1));
  ASSERT_EQ(batches_[0].size(), 1u);
  EXPECT_EQ(batches_[0][0].after->name, "vnet0");
  EXPECT_TRUE(logged("ovsdb_row_skipped", "uuid=" + iface_uuid(2)));
  EXPECT_TRUE(logged("ovsdb_row_skipped", "attached-mac"));
  EXPECT_EQ(monitor_->counters().rows_skipped, 1u);

  // An unrelated change elsewhere does not count the same bad row again.
  notify_update2({{"Interface", {{iface_uuid(1), {{"modify", {{"ofport", 1}}}}}}}});
  ASSERT_TRUE(wait_batches(2));
  EXPECT_EQ(monitor_->counters().rows_skipped, 1u);

  // Fixed: the row becomes a port.
  notify_update2({{"Interface", {{iface_uuid(2), {{"modify", {{"external_ids", map({{"attached-mac", mac2}})}}}}}}}});
  ASSERT_TRUE(wait_batches(3));
  EXPECT_EQ(batches_[2].at(0).kind, PortChange::Kind::added);
  EXPECT_EQ(batches_[2].at(0).after->attached_mac, wire::MacAddr::parse(mac2));

  // A present port turning malformed is reported removed.
  notify_update2({{"Interface",
                   {{iface_uuid(1), {{"modify", {{"external_ids", map({{"roam6-home-address", "not-an-address"}})}}}}}}}});
  ASSERT_TRUE(wait_batches(4));
  EXPECT_EQ(batches_[3].at(0).kind, PortChange::Kind::removed);
  EXPECT_EQ(batches_[3].at(0).before->name, "vnet0");
  EXPECT_EQ(monitor_->counters().rows_skipped, 2u);
  EXPECT_TRUE(logged("ovsdb_row_skipped", "uuid=" + iface_uuid(1)));

  // A column diff of the wrong type leaves the row unreadable, not the monitor.
  notify_update2({{"Interface", {{iface_uuid(2), {{"modify", {{"external_ids", "garbage"}}}}}}}});
  ASSERT_TRUE(wait_batches(5));
  EXPECT_EQ(batches_[4].at(0).kind, PortChange::Kind::removed);
  EXPECT_TRUE(monitor_->connected());
  EXPECT_EQ(monitor_->counters().rows_skipped, 3u);
}

TEST_F(OvsdbPortMonitorTest, ReconnectReportsOnlyTheDifference) {
  Json initial = initial_update2({{1, libvirt_interface("vnet0", mac1, Json(1))},
                                  {2, libvirt_interface("vnet1", mac2, Json(2))}});
  serve_update2(&initial);
  start_monitor();
  ASSERT_TRUE(wait_batches(1));
  EXPECT_EQ(batches_[0].size(), 2u);

  // Nothing changed while away: nothing reported.
  server_->disconnect_client();
  ASSERT_TRUE(run_until(io_, [&] { return server_->accepted() == 2 && monitor_->connected(); }));
  run_for(io_, 100ms);
  EXPECT_EQ(batches_.size(), 1u);
  EXPECT_EQ(monitor_->counters().disconnects, 1u);
  EXPECT_TRUE(logged("ovsdb_disconnected", "closed by the server"));

  // vnet1 deleted while away: reported removed after the resync, vnet0 untouched.
  initial = initial_update2({{1, libvirt_interface("vnet0", mac1, Json(1))}});
  server_->disconnect_client();
  ASSERT_TRUE(wait_batches(2));
  ASSERT_EQ(batches_[1].size(), 1u);
  EXPECT_EQ(batches_[1][0].kind, PortChange::Kind::removed);
  EXPECT_EQ(batches_[1][0].before->name, "vnet1");
  EXPECT_EQ(monitor_->counters().connects, 3u);
  EXPECT_EQ(monitor_->ports().size(), 1u);
}

TEST_F(OvsdbPortMonitorTest, MalformedUpdateResynchronises) {
  const Json initial = initial_update2({{1, libvirt_interface("vnet0", mac1)}});
  serve_update2(&initial);
  start_monitor();
  ASSERT_TRUE(wait_batches(1));
  // A modify of a row we never saw: our replica cannot be trusted any more.
  notify_update2({{"Interface", {{iface_uuid(7), {{"modify", {{"ofport", 1}}}}}}}});
  ASSERT_TRUE(run_until(io_, [&] { return server_->accepted() == 2 && monitor_->connected(); }));
  EXPECT_TRUE(logged("ovsdb_disconnected", "modify of unknown"));
  // Not even JSON-RPC.
  server_->send_raw("[1,2,3]");
  ASSERT_TRUE(run_until(io_, [&] { return server_->accepted() == 3 && monitor_->connected(); }));
  server_->send_raw("}{");
  ASSERT_TRUE(run_until(io_, [&] { return server_->accepted() == 4 && monitor_->connected(); }));
  run_for(io_, 50ms);
  EXPECT_EQ(batches_.size(), 1u);
  EXPECT_EQ(monitor_->counters().disconnects, 3u);
}

TEST_F(OvsdbPortMonitorTest, BacksOffWhileTheServerIsDown) {
  server_->stop_listening();
  const Json initial = initial_update2({{1, libvirt_interface("vnet0", mac1)}});
  serve_update2(&initial);
  start_monitor();
  // 100 ms doubling: attempts at 0, 0.1, 0.3, 0.7 s -> 4 within 1 s (a tight
  // loop would make hundreds).
  run_for(io_, 1000ms);
  EXPECT_GE(monitor_->counters().connect_failures, 3u);
  EXPECT_LE(monitor_->counters().connect_failures, 5u);
  EXPECT_FALSE(monitor_->connected());
  EXPECT_TRUE(batches_.empty());
  server_->listen();
  ASSERT_TRUE(run_until(io_, [&] { return monitor_->connected(); }, 5s));
  ASSERT_TRUE(wait_batches(1));
  EXPECT_EQ(monitor_->counters().connects, 1u);
}

TEST_F(OvsdbPortMonitorTest, AnUnusableSocketPathIsAConnectFailureNotACrash) {
  PortMonitorConfig config;
  config.endpoint = *Endpoint::parse("unix:/" + std::string(200, 'x'));  // longer than sun_path
  config.bridge = "br-test";
  PortMonitor monitor(io_, scheduler_, logger_, config, [](const std::vector<PortChange>&) {});
  monitor.start();
  ASSERT_TRUE(run_until(io_, [&] { return monitor.counters().connect_failures >= 2; }));
  EXPECT_FALSE(monitor.connected());
  EXPECT_TRUE(logged("ovsdb_connect_failed", "bad socket path"));
}

TEST_F(OvsdbPortMonitorTest, ASilentServerIsProbedWithEchoThenDropped) {
  const Json initial = initial_update2({{1, libvirt_interface("vnet0", mac1)}});
  bool answer_echo = true;
  server_->on_message([&](FakeOvsdbServer& server, const Json& message) {
    const auto method = message.value("method", "");
    if (method == "monitor_cond") server.reply(message["id"], initial);
    if (method == "echo" && answer_echo) server.reply(message["id"], message["params"]);
  });
  start_monitor(1024 * 1024, /*probe_interval=*/50ms);
  ASSERT_TRUE(wait_batches(1));
  // Answered probes keep the session up.
  run_for(io_, 400ms);
  EXPECT_GE(server_->received_requests("echo").size(), 2u);
  EXPECT_EQ(server_->received_requests("echo").at(0)["params"], Json::array({"roam6-probe"}));
  EXPECT_EQ(monitor_->counters().disconnects, 0u);
  EXPECT_TRUE(monitor_->connected());
  // A server that stops answering (half-open session) is dropped and redialled.
  answer_echo = false;
  ASSERT_TRUE(run_until(io_, [&] { return monitor_->counters().disconnects == 1; }, 2s));
  EXPECT_TRUE(logged("ovsdb_disconnected", "echo unanswered"));
  ASSERT_TRUE(run_until(io_, [&] { return server_->accepted() == 2; }));
  EXPECT_EQ(batches_.size(), 1u);
}

TEST_F(OvsdbPortMonitorTest, StopClosesTheSessionAndReportsNothingMore) {
  const Json initial = initial_update2({{1, libvirt_interface("vnet0", mac1)}});
  serve_update2(&initial);
  start_monitor();
  ASSERT_TRUE(wait_batches(1));
  monitor_->stop();
  EXPECT_FALSE(monitor_->connected());
  ASSERT_TRUE(run_until(io_, [&] { return !server_->client_connected(); }));
  run_for(io_, 300ms);
  EXPECT_EQ(server_->accepted(), 1u);
  EXPECT_EQ(monitor_->ports().size(), 1u);  // what was reported stays known
}

}  // namespace
}  // namespace roam6::vswitch::ovsdb
