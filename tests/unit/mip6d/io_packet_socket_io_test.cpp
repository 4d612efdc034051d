#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "io_test_frames.hpp"
#include "io_test_netns.hpp"
#include "mip6d/io/packet_socket_io.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/ipv6.hpp"

// Real AF_PACKET sockets on veth pairs inside a throw-away network namespace
// (see io_test_netns.hpp for how the sockets get there). Two PacketSocketIo
// face each other:  a: uplink va, guests vc   <->   b: uplink vb, guests vd.

namespace roam6::mip6d {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::mac;
using test::TestNamespace;

struct Arrival {
  Port port;
  FrameBytes frame;
  TimePoint at;
};

void record_into(PacketSocketIo& io, std::vector<Arrival>& arrivals) {
  io.set_handler([&arrivals](const ReceivedFrame& f) {
    arrivals.push_back(Arrival{f.port, FrameBytes(f.frame.begin(), f.frame.end()), f.received});
  });
}

std::vector<FrameBytes> frames_of(const std::vector<Arrival>& arrivals) {
  std::vector<FrameBytes> out;
  for (const auto& a : arrivals) out.push_back(a.frame);
  return out;
}

bool holds(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class PacketSocketIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: network namespaces and CAP_NET_RAW";
    TestNamespace::remove_leftovers();
    ns.emplace();
    ns->add_veth_pair("va", "vb");
    ns->add_veth_pair("vc", "vd");
    a = open({"va", "vc"});
    b = open({"vb", "vd"});
    record_into(*a, at_a);
    record_into(*b, at_b);
  }

  std::unique_ptr<PacketSocketIo> open(const PacketSocketInterfaces& interfaces) {
    return ns->run_inside([&] { return std::make_unique<PacketSocketIo>(io, interfaces); });
  }

  // Runs the event loop until `done` or the timeout; false on timeout.
  bool run_until(const std::function<bool()>& done, Duration timeout = 3s) {
    const TimePoint deadline = SteadyClock::now() + timeout;
    while (!done()) {
      if (SteadyClock::now() >= deadline) return false;
      io.restart();
      io.run_for(2ms);
    }
    return true;
  }
  // Long enough for a frame that was going to arrive to have arrived.
  void settle() {
    io.restart();
    io.run_for(50ms);
  }

  // IPv6-in-IPv6 from a to b whose inner packet starts with `inner_next_header`.
  FrameBytes tunnelled_a_to_b(std::uint8_t inner_next_header, std::uint8_t tag) const {
    const FrameBytes inner = test::ipv6_frame(b->mac(Port::uplink), a->mac(Port::uplink), ip("2001:db8:a::1"),
                                              ip("2001:db8:a::100"), inner_next_header, tag);
    FrameBytes outer = a_to_b(wire::ipproto::ipv6, tag, inner.size() - wire::ethernet_header_size);
    std::copy(inner.begin() + wire::ethernet_header_size, inner.end(),
              outer.begin() + wire::ethernet_header_size + wire::ipv6_header_size);
    return outer;
  }

  FrameBytes a_to_b(std::uint8_t next_header, std::uint8_t tag, std::size_t payload = 24) const {
    return test::ipv6_frame(b->mac(Port::uplink), a->mac(Port::uplink), ip("2001:db8:a::1"),
                            ip("2001:db8:b::5"), next_header, tag, 64, payload);
  }

  // Declared first: outlives the sockets registered with it.
  boost::asio::io_context io;
  std::optional<TestNamespace> ns;
  std::unique_ptr<PacketSocketIo> a;
  std::unique_ptr<PacketSocketIo> b;
  std::vector<Arrival> at_a;
  std::vector<Arrival> at_b;
};

TEST_F(PacketSocketIoTest, DeliversFramesBothWaysByteExactOnTheRightPort) {
  const FrameBytes binding_update = a_to_b(wire::ipproto::mobility, 1);
  const TimePoint before = SteadyClock::now();
  ASSERT_TRUE(a->send(Port::uplink, binding_update));
  ASSERT_TRUE(run_until([&] { return !at_b.empty(); }));
  EXPECT_EQ(at_b[0].port, Port::uplink);
  EXPECT_EQ(at_b[0].frame, binding_update);
  EXPECT_GE(at_b[0].at, before);
  EXPECT_LE(at_b[0].at, SteadyClock::now());

  const FrameBytes neighbour_advert =
      test::ipv6_frame(a->mac(Port::uplink), b->mac(Port::uplink), ip("fe80::b"), ip("fe80::a"),
                       wire::ipproto::icmpv6, 2, 255);
  ASSERT_TRUE(b->send(Port::uplink, neighbour_advert));
  ASSERT_TRUE(run_until([&] { return !at_a.empty(); }));
  EXPECT_EQ(at_a[0].port, Port::uplink);
  EXPECT_EQ(at_a[0].frame, neighbour_advert);

  const FrameBytes guest_frame =
      test::ipv4_udp_frame(mac("52:54:00:00:00:01"), a->mac(Port::guests), 3);
  ASSERT_TRUE(a->send(Port::guests, guest_frame));
  ASSERT_TRUE(run_until([&] { return at_b.size() == 2; }));
  EXPECT_EQ(at_b[1].port, Port::guests);
  EXPECT_EQ(at_b[1].frame, guest_frame);
}

TEST_F(PacketSocketIoTest, ReadsEachPortsMacFromItsInterface) {
  const auto ether_of = [&](const std::string& device) {
    const std::string details = ns->link_details(device);
    const auto at = details.find("link/ether ");
    EXPECT_NE(at, std::string::npos) << details;
    return *wire::MacAddr::parse(details.substr(at + 11, 17));
  };
  EXPECT_EQ(a->mac(Port::uplink), ether_of("va"));
  EXPECT_EQ(a->mac(Port::guests), ether_of("vc"));
  EXPECT_EQ(b->mac(Port::uplink), ether_of("vb"));
  EXPECT_NE(a->mac(Port::uplink), a->mac(Port::guests));
}

TEST_F(PacketSocketIoTest, DoesNotDeliverFramesItsInterfaceTransmits) {
  const FrameBytes ours = a_to_b(wire::ipproto::mobility, 1);
  ASSERT_TRUE(a->send(Port::uplink, ours));
  ASSERT_TRUE(run_until([&] { return !at_b.empty(); }));

  // Someone else transmitting on a's uplink (the kernel, a tcpdump -w
  // replay...) is outgoing too.
  struct RawSender {
    int fd;
    int ifindex;
  };
  const RawSender sender = ns->run_inside([] {
    return RawSender{::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0),
                     static_cast<int>(::if_nametoindex("va"))};
  });
  ASSERT_GE(sender.fd, 0) << std::strerror(errno);
  const FrameBytes theirs = a_to_b(wire::ipproto::mobility, 2);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = sender.ifindex;
  to.sll_halen = 6;
  const ssize_t sent = ::sendto(sender.fd, theirs.data(), theirs.size(), 0,
                                reinterpret_cast<const sockaddr*>(&to), sizeof to);
  ::close(sender.fd);
  ASSERT_EQ(sent, static_cast<ssize_t>(theirs.size())) << std::strerror(errno);
  ASSERT_TRUE(run_until([&] { return at_b.size() == 2; }));
  EXPECT_EQ(at_b[1].frame, theirs);

  settle();
  EXPECT_TRUE(at_a.empty()) << at_a.size() << " transmitted frame(s) came back";
  EXPECT_EQ(a->counters(Port::uplink).rx_frames, 0u);
}

TEST_F(PacketSocketIoTest, UplinkFilterPassesOnlyControlPlaneFrames) {
  const wire::MacAddr src = a->mac(Port::uplink);
  const wire::MacAddr dst = b->mac(Port::uplink);
  const std::vector<FrameBytes> dropped = {
      test::ipv4_udp_frame(dst, src, 1),
      a_to_b(wire::ipproto::udp, 2),
      test::arp_like_frame(wire::ethertype::arp, src, 3),
      a_to_b(wire::ipproto::tcp, 4),
      a_to_b(wire::ipproto::no_next_header, 5),
      a_to_b(wire::ipproto::ipv6, 6),  // tunnelled data belongs to the datapath
      tunnelled_a_to_b(wire::ipproto::udp, 7),
      tunnelled_a_to_b(wire::ipproto::icmpv6, 8),
  };
  const std::vector<FrameBytes> passed = {
      a_to_b(wire::ipproto::mobility, 11),
      a_to_b(wire::ipproto::icmpv6, 12),
      a_to_b(wire::ipproto::hop_by_hop, 13),
      a_to_b(wire::ipproto::routing, 14),
      a_to_b(wire::ipproto::fragment, 15),
      a_to_b(wire::ipproto::destination_options, 16),
      test::arp_like_frame(wire::ethertype::rarp, mac("52:54:00:00:00:01"), 17),
      // RFC 6275 6.1: what the Home Agent sends a home address (BRR, BE)
      // comes through the tunnel.
      tunnelled_a_to_b(wire::ipproto::mobility, 18),
      tunnelled_a_to_b(wire::ipproto::destination_options, 19),
  };
  // Interleaved, so a filter that stops early or late shows.
  for (std::size_t i = 0; i < dropped.size() || i < passed.size(); ++i) {
    if (i < dropped.size()) {
      ASSERT_TRUE(a->send(Port::uplink, dropped[i]));
    }
    if (i < passed.size()) {
      ASSERT_TRUE(a->send(Port::uplink, passed[i]));
    }
  }
  ASSERT_TRUE(run_until([&] { return at_b.size() >= passed.size(); }));
  settle();
  EXPECT_EQ(frames_of(at_b), passed);

  // The guests port takes everything: resume detection needs any frame.
  const FrameBytes ipv4 = test::ipv4_udp_frame(mac("02:00:00:00:00:01"), a->mac(Port::guests), 21);
  const FrameBytes arp = test::arp_like_frame(wire::ethertype::arp, a->mac(Port::guests), 22);
  ASSERT_TRUE(a->send(Port::guests, ipv4));
  ASSERT_TRUE(a->send(Port::guests, arp));
  ASSERT_TRUE(run_until([&] { return at_b.size() >= passed.size() + 2; }));
  EXPECT_EQ(at_b[passed.size()].frame, ipv4);
  EXPECT_EQ(at_b[passed.size()].port, Port::guests);
  EXPECT_EQ(at_b[passed.size() + 1].frame, arp);
}

TEST_F(PacketSocketIoTest, CountsFramesBytesAndDrops) {
  const FrameBytes small = a_to_b(wire::ipproto::mobility, 1, 8);
  const FrameBytes large = a_to_b(wire::ipproto::icmpv6, 2, 1000);
  const FrameBytes filtered = a_to_b(wire::ipproto::udp, 3, 100);
  ASSERT_TRUE(a->send(Port::uplink, small));
  ASSERT_TRUE(a->send(Port::uplink, filtered));
  ASSERT_TRUE(a->send(Port::uplink, large));
  // Over va's 1500-byte MTU: refused by the kernel, counted, not thrown.
  EXPECT_FALSE(a->send(Port::uplink, a_to_b(wire::ipproto::mobility, 4, 2000)));
  ASSERT_TRUE(run_until([&] { return at_b.size() == 2; }));
  settle();

  const PacketSocketCounters& sent = a->counters(Port::uplink);
  EXPECT_EQ(sent.tx_frames, 3u);
  EXPECT_EQ(sent.tx_bytes, small.size() + filtered.size() + large.size());
  EXPECT_EQ(sent.tx_dropped, 1u);
  const PacketSocketCounters& received = b->counters(Port::uplink);
  EXPECT_EQ(received.rx_frames, 2u);
  EXPECT_EQ(received.rx_bytes, small.size() + large.size());
  EXPECT_EQ(received.rx_truncated, 0u);
  EXPECT_EQ(b->counters(Port::guests).rx_frames, 0u);

  // A Home Agent has no guests port: sending there is a counted drop.
  const auto home_agent = open({"vd", ""});
  EXPECT_FALSE(home_agent->has_port(Port::guests));
  EXPECT_EQ(home_agent->mac(Port::guests), wire::MacAddr{});
  EXPECT_FALSE(home_agent->send(Port::guests, small));
  EXPECT_EQ(home_agent->counters(Port::guests).tx_dropped, 1u);
}

TEST_F(PacketSocketIoTest, SkipsAndCountsFramesLargerThanTheBuffer) {
  ns->add_veth_pair("ve", "vf", 20000);
  const auto sender = open({"ve", ""});
  const auto receiver = open({"vf", ""});
  std::vector<Arrival> arrivals;
  record_into(*receiver, arrivals);

  const auto frame_of_size = [&](std::size_t size, std::uint8_t tag) {
    return test::ipv6_frame(receiver->mac(Port::uplink), sender->mac(Port::uplink),
                            ip("2001:db8:a::1"), ip("2001:db8:b::5"), wire::ipproto::mobility, tag,
                            64, size - wire::ethernet_header_size - wire::ipv6_header_size);
  };
  const FrameBytes fits = frame_of_size(PacketSocketIo::max_frame_size, 1);
  const FrameBytes too_big = frame_of_size(PacketSocketIo::max_frame_size + 1, 2);
  const FrameBytes after = frame_of_size(100, 3);
  ASSERT_TRUE(sender->send(Port::uplink, fits));
  ASSERT_TRUE(sender->send(Port::uplink, too_big));
  ASSERT_TRUE(sender->send(Port::uplink, after));
  ASSERT_TRUE(run_until([&] { return arrivals.size() == 2; }));
  settle();

  EXPECT_EQ(frames_of(arrivals), (std::vector<FrameBytes>{fits, after}));
  EXPECT_EQ(receiver->counters(Port::uplink).rx_truncated, 1u);
  EXPECT_EQ(receiver->counters(Port::uplink).rx_frames, 2u);
}

TEST_F(PacketSocketIoTest, DrainsBurstsLongerThanOneWakeUpInOrder) {
  constexpr std::size_t burst = 3 * PacketSocketIo::max_frames_per_wakeup + 10;
  std::vector<FrameBytes> sent;
  for (std::size_t i = 0; i < burst; ++i) {
    sent.push_back(a_to_b(wire::ipproto::mobility, static_cast<std::uint8_t>(i)));
    ASSERT_TRUE(a->send(Port::uplink, sent.back())) << "frame " << i;
  }
  ASSERT_TRUE(run_until([&] { return at_b.size() >= burst; }));
  EXPECT_EQ(frames_of(at_b), sent);
}

TEST_F(PacketSocketIoTest, HoldsPromiscuousModeWhileOpen) {
  EXPECT_TRUE(holds(ns->link_details("va"), "promiscuity 1")) << ns->link_details("va");
  EXPECT_TRUE(holds(ns->link_details("vc"), "promiscuity 1"));
  a.reset();
  EXPECT_TRUE(holds(ns->link_details("va"), "promiscuity 0")) << ns->link_details("va");
  // Its cancelled waits complete on the loop after it is gone, and traffic
  // towards its interface finds nobody listening.
  settle();
  ASSERT_TRUE(b->send(Port::uplink, test::ipv6_frame(mac("02:00:00:00:00:01"), b->mac(Port::uplink),
                                                     ip("2001:db8:b::5"), ip("2001:db8:a::1"),
                                                     wire::ipproto::mobility, 1)));
  settle();
  EXPECT_TRUE(at_a.empty());
}

TEST_F(PacketSocketIoTest, NamesAMissingGuestsInterface) {
  try {
    open({"va", "roam6-nosuch1"});
    FAIL() << "opened a missing interface";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::error_code(ENODEV, std::system_category()));
    EXPECT_TRUE(holds(e.what(), "roam6-nosuch1")) << e.what();
    EXPECT_TRUE(holds(e.what(), "guests")) << e.what();
  }
}

TEST_F(PacketSocketIoTest, RefusesANonEthernetInterface) {
  try {
    open({"lo", ""});
    FAIL() << "opened loopback";
  } catch (const std::system_error& e) {
    EXPECT_TRUE(holds(e.what(), "'lo'")) << e.what();
    EXPECT_TRUE(holds(e.what(), "not an Ethernet interface")) << e.what();
  }
}

TEST_F(PacketSocketIoTest, ExplainsAMissingCapNetRaw) {
  // Capabilities are per thread: drop CAP_NET_RAW on the helper thread only.
  const auto attempt = [&]() -> std::string {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capget, &header, data) != 0) return "capget failed";
    data[CAP_TO_INDEX(CAP_NET_RAW)].effective &= ~CAP_TO_MASK(CAP_NET_RAW);
    if (::syscall(SYS_capset, &header, data) != 0) return "capset failed";
    try {
      PacketSocketIo unprivileged(io, {"va", ""});
      return "opened without CAP_NET_RAW";
    } catch (const std::system_error& e) {
      if (e.code() != std::error_code(EPERM, std::system_category())) {
        return std::string("wrong error: ") + e.what();
      }
      return e.what();
    }
  };
  const std::string message = ns->run_inside(attempt);
  EXPECT_TRUE(holds(message, "CAP_NET_RAW")) << message;
  EXPECT_TRUE(holds(message, "'va'")) << message;
}

TEST(PacketSocketIo, NamesAMissingInterface) {
  boost::asio::io_context io;
  try {
    PacketSocketIo missing(io, {"roam6-nosuch0", ""});
    FAIL() << "opened a missing interface";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::error_code(ENODEV, std::system_category()));
    EXPECT_TRUE(holds(e.what(), "roam6-nosuch0")) << e.what();
  }
}

TEST(PacketSocketIo, RejectsAnUnusableInterfaceChoice) {
  boost::asio::io_context io;
  EXPECT_THROW(PacketSocketIo(io, {"", ""}), std::invalid_argument);
  EXPECT_THROW(PacketSocketIo(io, {"eth0", "eth0"}), std::invalid_argument);
}

}  // namespace
}  // namespace roam6::mip6d
