// LinkTable: which rtnetlink messages are changes of the watched links, and
// what a resynchronising dump concludes.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vswitch-plugin/netlink/link_table.hpp"

namespace roam6::vswitch {
namespace {

LinkInfo link(std::uint32_t ifindex, std::string name, std::uint32_t mtu = 1500) {
  LinkInfo l;
  l.ifindex = ifindex;
  l.name = std::move(name);
  l.mtu = mtu;
  l.oper_state = OperState::down;
  l.mac = wire::MacAddr::parse("02:00:00:00:00:" + std::to_string(10 + ifindex % 90));
  return l;
}

LinkMessage added(LinkInfo l) { return {LinkMessage::Type::new_link, std::move(l)}; }
LinkMessage deleted(std::uint32_t ifindex) {
  LinkMessage m{LinkMessage::Type::del_link, {}};
  m.link.ifindex = ifindex;
  return m;
}

TEST(NetlinkLinkTable, NewChangedAndDeletedLinks) {
  LinkTable table;
  const auto appeared = table.apply(added(link(5, "vnet0")));
  ASSERT_TRUE(appeared);
  EXPECT_EQ(appeared->kind, LinkChange::Kind::appeared);
  EXPECT_FALSE(appeared->before);
  EXPECT_EQ(appeared->after, link(5, "vnet0"));

  // The same fields again (the kernel re-announces a link for statistics,
  // promiscuity, ...): no change.
  EXPECT_FALSE(table.apply(added(link(5, "vnet0"))));

  LinkInfo up = link(5, "vnet0", 9000);
  up.admin_up = true;
  const auto changed = table.apply(added(up));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->kind, LinkChange::Kind::changed);
  EXPECT_EQ(changed->before, link(5, "vnet0"));
  EXPECT_EQ(changed->after, up);

  const auto vanished = table.apply(deleted(5));
  ASSERT_TRUE(vanished);
  EXPECT_EQ(vanished->kind, LinkChange::Kind::vanished);
  EXPECT_EQ(vanished->before, up);  // its last known state
  EXPECT_FALSE(vanished->after);
  EXPECT_FALSE(table.apply(deleted(5)));  // gone already
  EXPECT_TRUE(table.links().empty());
}

TEST(NetlinkLinkTable, EachFieldIsAChange) {
  LinkTable table;
  (void)table.apply(added(link(2, "a")));
  std::vector<LinkInfo> variants(6, link(2, "a"));
  variants[0].name = "b";
  variants[1].mtu = 1400;
  variants[2].admin_up = true;
  variants[3].lower_up = true;
  variants[4].oper_state = OperState::up;
  variants[5].mac = wire::MacAddr::parse("02:00:00:00:00:99");
  for (const LinkInfo& v : variants) {
    LinkTable fresh;
    (void)fresh.apply(added(link(2, "a")));
    const auto change = fresh.apply(added(v));
    ASSERT_TRUE(change) << v.name;
    EXPECT_EQ(change->kind, LinkChange::Kind::changed);
  }
}

TEST(NetlinkLinkTable, OnlyWatchedNamesAreReportedAndRenamesCrossTheLine) {
  LinkTable table({"uplink0", "dp-guests"});
  EXPECT_FALSE(table.apply(added(link(3, "eth7"))));
  ASSERT_TRUE(table.apply(added(link(4, "uplink0"))));
  EXPECT_FALSE(table.find("eth7"));
  EXPECT_FALSE(table.find(3u));
  ASSERT_TRUE(table.find("uplink0"));

  // eth7 renamed to a watched name: it appears, with its new name.
  const auto in = table.apply(added(link(3, "dp-guests")));
  ASSERT_TRUE(in);
  EXPECT_EQ(in->kind, LinkChange::Kind::appeared);
  EXPECT_EQ(in->after->name, "dp-guests");
  // uplink0 renamed away: as far as the watcher knows, it vanished.
  const auto out = table.apply(added(link(4, "old-uplink")));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->kind, LinkChange::Kind::vanished);
  EXPECT_EQ(out->before->name, "uplink0");
  // Deleting an unwatched link says nothing.
  EXPECT_FALSE(table.apply(deleted(4)));
  ASSERT_EQ(table.links().size(), 1u);
  EXPECT_EQ(table.links()[0].name, "dp-guests");
}

TEST(NetlinkLinkTable, AResyncReportsWhatTheDumpNoLongerHas) {
  LinkTable table;
  (void)table.apply(added(link(1, "lo")));
  (void)table.apply(added(link(2, "stale")));     // deleted while notifications were lost
  (void)table.apply(added(link(3, "kept")));
  (void)table.apply(added(link(4, "changed")));  // changed while notifications were lost

  table.begin_resync();
  EXPECT_TRUE(table.resyncing());
  EXPECT_FALSE(table.apply(added(link(1, "lo"))));
  EXPECT_FALSE(table.apply(added(link(3, "kept"))));
  const auto late_change = table.apply(added(link(4, "changed", 9000)));
  ASSERT_TRUE(late_change);
  EXPECT_EQ(late_change->kind, LinkChange::Kind::changed);
  // Created after the dump passed its index: only a notification tells.
  ASSERT_TRUE(table.apply(added(link(9, "new-during-dump"))));
  const auto gone = table.end_resync();
  EXPECT_FALSE(table.resyncing());

  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].kind, LinkChange::Kind::vanished);
  EXPECT_EQ(gone[0].before, link(2, "stale"));
  EXPECT_TRUE(table.find("new-during-dump"));
  EXPECT_EQ(table.links().size(), 4u);
  EXPECT_TRUE(table.end_resync().empty());  // not resyncing: nothing to conclude
}

TEST(NetlinkLinkTable, ALinkDeletedDuringTheResyncIsReportedOnce) {
  LinkTable table;
  (void)table.apply(added(link(2, "short-lived")));
  table.begin_resync();
  const auto vanished = table.apply(deleted(2));
  ASSERT_TRUE(vanished);
  EXPECT_TRUE(table.end_resync().empty());
}

TEST(NetlinkLinkTable, AResyncReportsUnwatchedLinksNot) {
  LinkTable table({"watched"});
  (void)table.apply(added(link(2, "other")));
  (void)table.apply(added(link(3, "watched")));
  table.begin_resync();
  const auto gone = table.end_resync();
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].before->name, "watched");
}

}  // namespace
}  // namespace roam6::vswitch
