#include <gtest/gtest.h>

#include <array>
#include <sstream>

#include "testbed/probe/probe_packet.hpp"
#include "testbed/probe/timeline.hpp"

namespace roam6::probe {
namespace {

TEST(ProbePacket, RoundTripsAndRefusesWhatIsNotAProbe) {
  std::array<std::uint8_t, 64> buffer{};
  write_probe(buffer, {0x01020304, 0x1122334455667788ULL});
  EXPECT_EQ(buffer[0], 'R');
  EXPECT_EQ(buffer[4], 0x01);
  EXPECT_EQ(buffer[15], 0x88);
  const auto h = read_probe(buffer);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->sequence, 0x01020304u);
  EXPECT_EQ(h->sent_ns, 0x1122334455667788ULL);
  EXPECT_FALSE(read_probe(std::span<const std::uint8_t>(buffer.data(), 15)));
  buffer[0] = 'X';
  EXPECT_FALSE(read_probe(buffer));
}

TEST(Timeline, CountsDuplicatesReorderingAndForeignEchoes) {
  Timeline t;
  for (std::uint64_t i = 0; i < 5; ++i) EXPECT_EQ(t.sent(1000 * i), i);
  t.echoed(0, 100);
  t.echoed(2, 2100);
  t.echoed(1, 2200);  // after 2: reordered
  t.echoed(2, 2300);  // a duplicate: the first time stays
  t.echoed(9, 9000);  // never sent
  const auto& r = t.records();
  EXPECT_EQ(r[1].reordered, true);
  EXPECT_EQ(r[2].reordered, false);
  EXPECT_EQ(r[2].copies, 2u);
  EXPECT_EQ(*r[2].received_ns, 2100u);
  EXPECT_FALSE(r[3].received_ns);
  EXPECT_EQ(t.foreign(), 1u);

  std::stringstream csv;
  t.write_csv(csv);
  EXPECT_NE(csv.str().find("3,3000,,0,0\n"), std::string::npos);
  const Timeline back = Timeline::read_csv(csv);
  ASSERT_EQ(back.records().size(), 5u);
  EXPECT_EQ(back.records()[2].copies, 2u);
  EXPECT_TRUE(back.records()[1].reordered);
  EXPECT_FALSE(back.records()[3].received_ns);
  std::stringstream bad("sequence,sent_ns,received_ns,copies,reordered\n0,1,x,1,0\n");
  EXPECT_THROW(Timeline::read_csv(bad), std::runtime_error);
}

}  // namespace
}  // namespace roam6::probe
