// The engine end to end: a real Datapath on net_ring ports (each port's tx
// queue feeds its own rx queue, so what a core sends comes back to it), a
// forwarding core on the EAL's worker lcore, and mip6d's adapters on an
// io_context, as the daemon wires them.

#include <gtest/gtest.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_lcore.h>

#include <boost/asio/io_context.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "datapath/engine/datapath.hpp"
#include "datapath/mip6d_bridge/dpdk_forwarding_table.hpp"
#include "datapath/mip6d_bridge/dpdk_packet_io.hpp"
#include "frame_builder.hpp"
#include "mip6d/runtime/asio_scheduler.hpp"

namespace roam6::datapath {
namespace {

using namespace std::chrono_literals;
using test::Bytes;
using test::ethernet_frame;
using test::icmpv6_packet;
using test::ip;
using test::mac;
using test::mobility_packet;

const wire::Ip6Addr care_of = ip("2001:db8:b::2");
const wire::Ip6Addr home_agent = ip("2001:db8:a::1");
const wire::MacAddr site_router = mac("02:00:00:00:0b:01");

DatapathSettings host_settings(const std::string& name) {
  DatapathSettings s;
  s.role = DatapathRole::host;
  s.name = name;
  s.uplink_device = "net_ring_" + name + "u";
  s.guests_device = "net_ring_" + name + "g";
  s.workers = 1;
  s.mbufs = 2047;
  // A test machine has few cores: let the worker sleep when idle.
  s.poll = PollSettings{PollMode::adaptive, 10, 50};
  s.table.max_guests = 16;
  s.table.max_tunnels = 16;
  s.host.care_of_address = care_of;
  s.host.next_hop_mac = site_router;
  return s;
}

std::uint64_t count(const DatapathStats& stats, DatapathPort port, Disposition what) {
  return stats.counters.port[static_cast<std::size_t>(port)]
      .disposition[static_cast<std::size_t>(what)];
}

const PortCounters& port_counters(const DatapathStats& stats, DatapathPort port) {
  return stats.counters.port[static_cast<std::size_t>(port)];
}

rte_eth_stats device_stats(const std::string& name) {
  std::uint16_t id = 0;
  EXPECT_EQ(rte_eth_dev_get_port_by_name(name.c_str(), &id), 0) << name;
  rte_eth_stats stats{};
  rte_eth_stats_get(id, &stats);
  return stats;
}

// Runs the loop until `done` or 5 s passed.
template <class Done>
bool run_until(boost::asio::io_context& io, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
  return done();
}

TEST(Engine, HostPortsOpenWithTheirMacsAndAWorkerRuns) {
  Datapath datapath(host_settings("e1"));
  EXPECT_EQ(datapath.worker_count(), 1u);
  EXPECT_TRUE(datapath.has_port(DatapathPort::uplink));
  EXPECT_TRUE(datapath.has_port(DatapathPort::guests));
  EXPECT_NE(datapath.mac(DatapathPort::uplink), wire::MacAddr{});
  EXPECT_NE(datapath.mac(DatapathPort::uplink), datapath.mac(DatapathPort::guests));
  EXPECT_EQ(datapath.settings().host.uplink_mac, datapath.mac(DatapathPort::uplink));
  const DatapathStats stats = datapath.stats();
  ASSERT_TRUE(stats.devices[0].has_value());
  ASSERT_TRUE(stats.devices[1].has_value());
  EXPECT_EQ(stats.devices[0]->device, "net_ring_e1u");
  EXPECT_EQ(stats.devices[0]->queues, 1);
  EXPECT_EQ(stats.workers, 1u);
}

TEST(Engine, InjectedSignallingGoesOutAndComesBackPuntedToMip6d) {
  Datapath datapath(host_settings("e2"));
  boost::asio::io_context io;
  DpdkPacketIo packet_io(io, datapath);
  std::vector<Bytes> received;
  std::vector<mip6d::Port> ports;
  std::vector<mip6d::TimePoint> times;
  packet_io.set_handler([&](const mip6d::ReceivedFrame& frame) {
    received.emplace_back(frame.frame.begin(), frame.frame.end());
    ports.push_back(frame.port);
    times.push_back(frame.received);
  });

  // A Binding Acknowledgement-like MH from the HA to our care-of address:
  // the core transmits it on the uplink, the ring hands it back to the
  // uplink's rx queue, and the host pipeline punts it (signalling for us).
  const Bytes mh =
      ethernet_frame(datapath.mac(DatapathPort::uplink), site_router, mobility_packet({home_agent, care_of}));
  const auto sent_at = mip6d::SteadyClock::now();
  ASSERT_TRUE(packet_io.send(mip6d::Port::uplink, mh));
  ASSERT_TRUE(run_until(io, [&] { return !received.empty(); }));
  const auto done_at = mip6d::SteadyClock::now();

  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0], mh);
  EXPECT_EQ(ports[0], mip6d::Port::uplink);
  // The frame's time is when the core saw it, between send and delivery.
  EXPECT_GE(times[0], sent_at - 1ms);
  EXPECT_LE(times[0], done_at);

  const DatapathStats stats = datapath.stats();
  EXPECT_EQ(stats.counters.injected, 1u);
  EXPECT_EQ(stats.counters.inject_dropped, 0u);
  EXPECT_EQ(port_counters(stats, DatapathPort::uplink).tx_packets, 1u);
  EXPECT_EQ(port_counters(stats, DatapathPort::uplink).tx_bytes, mh.size());
  EXPECT_EQ(port_counters(stats, DatapathPort::uplink).rx_packets, 1u);
  EXPECT_EQ(count(stats, DatapathPort::uplink, Disposition::punted), 1u);
  EXPECT_EQ(device_stats("net_ring_e2u").opackets, 1u);
  EXPECT_EQ(packet_io.counters(mip6d::Port::uplink).tx_frames, 1u);
  EXPECT_EQ(packet_io.counters(mip6d::Port::uplink).rx_frames, 1u);
}

TEST(Engine, UnknownGuestTrafficIsPassedToTheUplinkAndASolicitationForUsPunted) {
  Datapath datapath(host_settings("e3"));
  boost::asio::io_context io;
  DpdkPacketIo packet_io(io, datapath);
  std::vector<Bytes> received;
  std::vector<mip6d::Port> ports;
  packet_io.set_handler([&](const mip6d::ReceivedFrame& frame) {
    received.emplace_back(frame.frame.begin(), frame.frame.end());
    ports.push_back(frame.port);
  });

  // Injected on the guests port, it comes back as if a machine there sent
  // it; that machine is no guest of ours, so the core passes it to the
  // uplink, where it comes back again and, being a Neighbour Solicitation
  // for our care-of address, is punted from the uplink.
  Bytes solicitation(4);  // reserved, then the target
  solicitation.insert(solicitation.end(), care_of.bytes.begin(), care_of.bytes.end());
  const Bytes ns = ethernet_frame(
      mac("33:33:ff:00:00:02"), mac("52:54:00:00:00:99"),
      icmpv6_packet({ip("fe80::99"), ip("ff02::1:ff00:2"), 255}, 135, solicitation));
  ASSERT_TRUE(packet_io.send(mip6d::Port::guests, ns));
  ASSERT_TRUE(run_until(io, [&] { return !received.empty(); }));
  EXPECT_EQ(received[0], ns);
  EXPECT_EQ(ports[0], mip6d::Port::uplink);

  const DatapathStats stats = datapath.stats();
  EXPECT_EQ(stats.counters.injected, 1u);
  EXPECT_EQ(count(stats, DatapathPort::guests, Disposition::passed), 1u);
  EXPECT_EQ(port_counters(stats, DatapathPort::guests).tx_packets, 1u);
  EXPECT_EQ(port_counters(stats, DatapathPort::uplink).tx_packets, 1u);
  EXPECT_EQ(count(stats, DatapathPort::uplink, Disposition::punted), 1u);
  EXPECT_EQ(device_stats("net_ring_e3u").opackets, 1u);
  EXPECT_EQ(device_stats("net_ring_e3g").opackets, 1u);
}

// The frames of a classic pcap file (little-endian, as net_pcap writes).
std::vector<Bytes> pcap_frames(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Bytes> frames;
  std::size_t at = 24;  // global header
  while (at + 16 <= file.size()) {
    const std::uint32_t length = static_cast<std::uint32_t>(file[at + 8]) |
                                 static_cast<std::uint32_t>(file[at + 9]) << 8 |
                                 static_cast<std::uint32_t>(file[at + 10]) << 16 |
                                 static_cast<std::uint32_t>(file[at + 11]) << 24;
    at += 16;
    if (at + length > file.size()) break;
    frames.emplace_back(file.begin() + static_cast<std::ptrdiff_t>(at),
                        file.begin() + static_cast<std::ptrdiff_t>(at + length));
    at += length;
  }
  return frames;
}

TEST(Engine, InjectedFramesLeaveThroughARealDeviceIntoAPcapFile) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("roam6-engine-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    // An empty capture to receive from: the global header only.
    std::ofstream empty(dir / "empty.pcap", std::ios::binary);
    const std::uint8_t header[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                     0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
    empty.write(reinterpret_cast<const char*>(header), sizeof header);
  }
  DatapathSettings settings = host_settings("e8");
  settings.role = DatapathRole::home_agent;
  settings.home_agent.address = home_agent;
  settings.guests_device.clear();
  settings.uplink_device = "net_pcap_e8,rx_pcap=" + (dir / "empty.pcap").string() +
                           ",tx_pcap=" + (dir / "out.pcap").string();
  settings.workers = 4;  // more than the EAL's worker lcores and net_pcap's one queue
  const Bytes ba = ethernet_frame(site_router, mac("02:00:00:00:0a:02"),
                                  mobility_packet({home_agent, care_of}));
  {
    Datapath datapath(settings);
    EXPECT_EQ(datapath.worker_count(), 1u);
    boost::asio::io_context io;
    DpdkPacketIo packet_io(io, datapath);
    ASSERT_TRUE(packet_io.send(mip6d::Port::uplink, ba));
    ASSERT_TRUE(packet_io.send(mip6d::Port::uplink, ba));
    ASSERT_TRUE(run_until(io, [&] { return datapath.stats().counters.injected == 2; }));
  }  // closing the port flushes the capture
  const auto frames = pcap_frames(dir / "out.pcap");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], ba);
  EXPECT_EQ(frames[1], ba);
}

TEST(Engine, APuntBurstLargerThanOneWakeUpIsDeliveredWhole) {
  // The punt ring's eventfd fires only on empty -> non-empty, so a burst
  // of many wake-ups' worth must be drained to the end without one. (A Home
  // Agent once went deaf for good after 100 guests' Binding Updates.)
  Datapath datapath(host_settings("e9"));
  boost::asio::io_context io;
  DpdkPacketIo packet_io(io, datapath);
  std::vector<std::uint8_t> first_bytes;
  packet_io.set_handler([&](const mip6d::ReceivedFrame& frame) { first_bytes.push_back(frame.frame[0]); });

  constexpr unsigned burst = 5 * DpdkPacketIo::max_frames_per_wakeup + 7;
  for (unsigned i = 0; i < burst; ++i) {
    rte_mbuf* m = rte_pktmbuf_alloc(datapath.pool());
    ASSERT_NE(m, nullptr);
    char* data = rte_pktmbuf_append(m, 60);
    ASSERT_NE(data, nullptr);
    std::memset(data, 0, 60);
    data[0] = static_cast<char>(i);
    ASSERT_TRUE(datapath.punt_queue().push(m, DatapathPort::uplink, rte_rdtsc()));
  }
  ASSERT_TRUE(run_until(io, [&] { return first_bytes.size() == burst; })) << first_bytes.size();
  for (unsigned i = 0; i < burst; ++i) EXPECT_EQ(first_bytes[i], static_cast<std::uint8_t>(i));
  // And the next frame, after the ring was seen empty, wakes it again.
  rte_mbuf* m = rte_pktmbuf_alloc(datapath.pool());
  ASSERT_NE(m, nullptr);
  std::memset(rte_pktmbuf_append(m, 60), 0xab, 60);
  ASSERT_TRUE(datapath.punt_queue().push(m, DatapathPort::uplink, rte_rdtsc()));
  ASSERT_TRUE(run_until(io, [&] { return first_bytes.size() == burst + 1; }));
  EXPECT_EQ(first_bytes.back(), 0xab);
}

TEST(Engine, SendRefusesWhatCannotGoOut) {
  DatapathSettings settings = host_settings("e4");
  settings.role = DatapathRole::home_agent;
  settings.guests_device.clear();
  settings.home_agent.address = home_agent;
  Datapath datapath(settings);
  EXPECT_FALSE(datapath.has_port(DatapathPort::guests));
  EXPECT_FALSE(datapath.stats().devices[1].has_value());
  boost::asio::io_context io;
  DpdkPacketIo packet_io(io, datapath);
  const Bytes frame = ethernet_frame(site_router, datapath.mac(DatapathPort::uplink),
                                     mobility_packet({home_agent, care_of}));
  EXPECT_FALSE(packet_io.send(mip6d::Port::guests, frame));  // a Home Agent has none
  EXPECT_FALSE(packet_io.send(mip6d::Port::uplink, Bytes(20000)));  // larger than an mbuf
  EXPECT_FALSE(packet_io.send(mip6d::Port::uplink, Bytes{}));
  EXPECT_EQ(packet_io.counters(mip6d::Port::guests).tx_dropped, 1u);
  EXPECT_EQ(packet_io.counters(mip6d::Port::uplink).tx_dropped, 2u);
  EXPECT_EQ(packet_io.mac(mip6d::Port::guests), wire::MacAddr{});
}

TEST(Engine, ClearErrorsForBadDevicesAndSettings) {
  DatapathSettings settings = host_settings("e5");
  settings.uplink_device = "0000:99:00.0";
  try {
    Datapath datapath(settings);
    FAIL() << "opened a PCI device that does not exist";
  } catch (const DatapathError& e) {
    EXPECT_NE(std::string(e.what()).find("'0000:99:00.0': no such DPDK port"), std::string::npos)
        << e.what();
  }
  settings = host_settings("e6");
  settings.guests_device = "net_bogus0";
  try {
    Datapath datapath(settings);
    FAIL() << "opened a virtual device no driver knows";
  } catch (const DatapathError& e) {
    EXPECT_NE(std::string(e.what()).find("'net_bogus0': cannot create the virtual device"),
              std::string::npos)
        << e.what();
  }
  // The uplink of the failed attempt was closed and removed: its name is free.
  settings = host_settings("e6");
  EXPECT_NO_THROW(Datapath{settings});
  settings.guests_device = settings.uplink_device + ",x=1";
  EXPECT_THROW(Datapath{settings}, DatapathError);
}

TEST(Engine, ForwardingTableProgramsTheBindingTableAndCountsAFullOne) {
  DatapathSettings settings = host_settings("e7");
  settings.table.max_guests = 1;
  Datapath datapath(settings);
  boost::asio::io_context io;
  mip6d::AsioScheduler scheduler(io);
  std::vector<std::string> lines;
  mip6d::Logger log(mip6d::LogLevel::info,
                    [&](mip6d::LogLevel, std::string_view line) { lines.emplace_back(line); });
  DpdkForwardingTable fib(datapath.table(), scheduler, log, 1ms);
  fib.set_limits(settings.table.max_tunnels, settings.table.max_guests);

  mip6d::GuestPath g1{mac("52:54:00:00:00:01"), ip("2001:db8:a::100"), ip("fe80::100"), true,
                      home_agent, care_of, mac("02:00:00:00:0a:01"), ip("fe80::1"), false, {}};
  mip6d::GuestPath g2 = g1;
  g2.mac = mac("52:54:00:00:00:02");
  g2.home_address = ip("2001:db8:a::101");
  fib.set_guest(g1);
  fib.set_guest(g2);  // over the limit of one
  EXPECT_EQ(datapath.table().guest_count(), 1u);
  ASSERT_NE(datapath.table().find_guest_for_writer(g1.mac), nullptr);
  EXPECT_TRUE(datapath.table().find_guest_for_writer(g1.mac)->away);
  EXPECT_EQ(fib.counters().guests_set, 1u);
  EXPECT_EQ(fib.counters().refused, 1u);
  EXPECT_NE(fib.programmed().guest(g1.mac), nullptr);
  EXPECT_EQ(fib.programmed().guest(g2.mac), nullptr);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("datapath_table_refused"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("reason=full"), std::string::npos) << lines[0];

  fib.clear_guest(g1.mac);
  EXPECT_EQ(datapath.table().guest_count(), 0u);
  // Once the core passed a quiescent state and the reclaim timer ran, the
  // freed record's room is usable again.
  ASSERT_TRUE(run_until(io, [&] {
    fib.set_guest(g2);
    return datapath.table().guest_count() == 1u;
  }));
  EXPECT_NE(fib.programmed().guest(g2.mac), nullptr);
}

// The guests' further addresses share one bound: a guest whose addresses do
// not fit is still programmed, reachable at its home address.
TEST(Engine, AGuestWhoseFurtherAddressesDoNotFitIsProgrammedWithoutThem) {
  DatapathSettings settings = host_settings("e8");
  settings.table.max_guests = 4;
  settings.table.max_other_home_addresses = 1;
  Datapath datapath(settings);
  boost::asio::io_context io;
  mip6d::AsioScheduler scheduler(io);
  std::vector<std::string> lines;
  mip6d::Logger log(mip6d::LogLevel::info,
                    [&](mip6d::LogLevel, std::string_view line) { lines.emplace_back(line); });
  DpdkForwardingTable fib(datapath.table(), scheduler, log, 1ms);
  fib.set_limits(settings.table.max_tunnels, settings.table.max_guests);

  mip6d::GuestPath g1{mac("52:54:00:00:00:01"), ip("2001:db8:a::100"), ip("fe80::100"), true,
                      home_agent, care_of, mac("02:00:00:00:0a:01"), ip("fe80::1"), true, {}};
  g1.other_home_addresses = {ip("2001:db8:a::1:1"), ip("2001:db8:a::1:2")};
  fib.set_guest(g1);
  const GuestRecord* record = datapath.table().find_guest_for_writer(g1.mac);
  ASSERT_NE(record, nullptr);
  EXPECT_TRUE(record->resumed);
  EXPECT_EQ(datapath.table().other_home_address_count(), 0u);
  EXPECT_EQ(fib.counters().guests_set, 1u);
  EXPECT_EQ(fib.counters().refused, 1u);
  ASSERT_NE(fib.programmed().guest(g1.mac), nullptr);
  EXPECT_TRUE(fib.programmed().guest(g1.mac)->other_home_addresses.empty());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("kind=guest_addresses"), std::string::npos) << lines[0];
  // One fits.
  g1.other_home_addresses.pop_back();
  fib.set_guest(g1);
  EXPECT_EQ(datapath.table().other_home_address_count(), 1u);
  EXPECT_EQ(fib.programmed().guest(g1.mac)->other_home_addresses.size(), 1u);
}

}  // namespace
}  // namespace roam6::datapath
