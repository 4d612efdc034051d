#include <gtest/gtest.h>

#include <libvirt/libvirt.h>

#include "migration-hooks/events/lifecycle_plan.hpp"

namespace roam6::hooks {
namespace {

using nlohmann::json;

vswitch::LibvirtDomain web1() {
  return vswitch::parse_libvirt_domain(R"(<domain><name>web1</name><uuid>6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d11</uuid>
    <metadata><roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
      <roam6:interface mac="52:54:00:00:00:01" home-address="2001:db8:a::100" home-site="paris"/>
    </roam6:guest></metadata></domain>)");
}

TEST(LifecyclePlan, AResumeAnywhereIsTheMomentTheGuestRunsHere) {
  for (int detail : {VIR_DOMAIN_EVENT_RESUMED_MIGRATED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED,
                     VIR_DOMAIN_EVENT_RESUMED_POSTCOPY}) {
    const auto requests = plan_lifecycle({VIR_DOMAIN_EVENT_RESUMED, detail, 1700000000.25, std::nullopt}, web1());
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0], (Mip6dRequest{"guest.resume", json{{"name", "web1"}, {"timestamp", 1700000000.25}}}));
  }
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED, 1.0, std::nullopt}, web1())[0].command,
            "guest.resume");
}

TEST(LifecyclePlan, AnOutgoingMigrationsPauseHoldsThePackets) {
  for (int detail : {VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED, VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY}) {
    const auto requests = plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, detail, 1.0, std::nullopt}, web1());
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0], (Mip6dRequest{"guest.pause", json{{"name", "web1"}}}));
  }
}

// Two homes (two roam6 interfaces): one request per home, named as
// lifecycle_plan.cpp names them.
vswitch::LibvirtDomain db2() {
  return vswitch::parse_libvirt_domain(R"(<domain><name>db2</name><uuid>6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d22</uuid>
    <metadata><roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
      <roam6:interface mac="52:54:00:00:00:21" home-address="2001:db8:a::21" home-site="paris"/>
      <roam6:interface mac="52:54:00:00:00:22" home-address="2001:db8:b::22" home-site="rome"/>
    </roam6:guest></metadata></domain>)");
}

std::vector<std::string> names_of(const vswitch::LibvirtDomain& domain) {
  std::vector<std::string> out;
  for (const auto& home : domain.homes) out.push_back(vswitch::guest_name(domain, home));
  return out;
}

TEST(LifecyclePlan, TheQemuStopTimeDatesAnOutgoingMigrationsPause) {
  for (int detail : {VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED, VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY}) {
    const auto requests =
        plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, detail, 1700000000.020, 1700000000.0125}, web1());
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0], (Mip6dRequest{"guest.pause", json{{"name", "web1"}, {"timestamp", 1700000000.0125}}}));
  }
  // Every home's pause carries it.
  const auto both = plan_lifecycle(
      {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED, 1700000000.5, 1700000000.25}, db2());
  const auto names = names_of(db2());
  ASSERT_EQ(both.size(), 2u);
  for (std::size_t i = 0; i < both.size(); ++i)
    EXPECT_EQ(both[i], (Mip6dRequest{"guest.pause", json{{"name", names[i]}, {"timestamp", 1700000000.25}}}));
}

TEST(LifecyclePlan, APauseWithoutARecentStopHasNoTimestamp) {
  const int migrated = VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED;
  const Mip6dRequest bare{"guest.pause", json{{"name", "web1"}}};
  // No STOP known (not a QEMU connection, or none came).
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, migrated, 1700000000.0, std::nullopt}, web1()),
            std::vector<Mip6dRequest>{bare});
  // A STOP more than stop_recent_seconds old belongs to another pause.
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, migrated, 1700000010.0, 1700000010.0 - 2.5}, web1()),
            std::vector<Mip6dRequest>{bare});
  // One after the event was received is not this pause's either.
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, migrated, 1700000010.0, 1700000011.0}, web1()),
            std::vector<Mip6dRequest>{bare});
  // Within the window, at its edges.
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, migrated, 1700000010.0, 1700000008.5}, web1())[0]
                .args.value("timestamp", 0.0),
            1700000008.5);
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, migrated, 1700000010.0, 1700000010.01}, web1())[0]
                .args.value("timestamp", 0.0),
            1700000010.01);
}

TEST(LifecyclePlan, AStopTimeChangesNoOtherEvent) {
  const std::optional<double> stop = 1700000000.0;
  // Other pauses still ask nothing.
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, 1700000000.01, stop}, web1())
                  .empty());
  // A resume keeps its own (the event's) time; detaches have none.
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_MIGRATED, 1700000000.5, stop}, web1()),
            (std::vector<Mip6dRequest>{{"guest.resume", json{{"name", "web1"}, {"timestamp", 1700000000.5}}}}));
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED, 1700000000.5, stop}, web1()),
            (std::vector<Mip6dRequest>{{"guest.detach", json{{"name", "web1"}, {"mode", "moved"}}}}));
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_MIGRATED, 1700000000.5, stop}, web1())
                  .empty());
}

TEST(MigrationIterationPlan, TheFirstPassTellsEveryHomeTheGuestIsLeaving) {
  EXPECT_EQ(plan_migration_iteration({1, std::nullopt}, web1()),
            (std::vector<Mip6dRequest>{{"guest.migrating", json{{"name", "web1"}}}}));
  EXPECT_EQ(plan_migration_iteration({1, VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT}, web1()),
            (std::vector<Mip6dRequest>{{"guest.migrating", json{{"name", "web1"}}}}));
  const auto both = plan_migration_iteration({1, VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT}, db2());
  const auto names = names_of(db2());
  ASSERT_EQ(both.size(), 2u);
  EXPECT_NE(names[0], names[1]);
  for (std::size_t i = 0; i < both.size(); ++i)
    EXPECT_EQ(both[i], (Mip6dRequest{"guest.migrating", json{{"name", names[i]}}}));
}

TEST(MigrationIterationPlan, LaterPassesAndOtherJobsSayNothing) {
  // Pass 2 onwards, including the last sync after QEMU stopped the guest.
  for (int iteration : {0, 2, 3, 17})
    EXPECT_TRUE(plan_migration_iteration({iteration, VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT}, web1()).empty());
  // A save, a dump, a snapshot: migrations to a file, the guest stays.
  for (int operation : {VIR_DOMAIN_JOB_OPERATION_SAVE, VIR_DOMAIN_JOB_OPERATION_DUMP,
                        VIR_DOMAIN_JOB_OPERATION_SNAPSHOT})
    EXPECT_TRUE(plan_migration_iteration({1, operation}, web1()).empty());
  // libvirt could not name it: a migration is the likeliest.
  EXPECT_EQ(plan_migration_iteration({1, VIR_DOMAIN_JOB_OPERATION_UNKNOWN}, web1()).size(), 1u);
  // Not a roam6 guest.
  const auto plain = vswitch::parse_libvirt_domain("<domain><name>x</name><uuid>00000000-0000-0000-0000-000000000001</uuid></domain>");
  EXPECT_TRUE(plan_migration_iteration({1, VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT}, plain).empty());
}

TEST(LifecyclePlan, AnIncomingMigrationsPausedStartAndOtherPausesSayNothing) {
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_MIGRATED, 1.0, std::nullopt}, web1()).empty());
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, 1.0, std::nullopt}, web1()).empty());
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR, 1.0, std::nullopt}, web1()).empty());
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_DEFINED, 0, 1.0, std::nullopt}, web1()).empty());
}

TEST(LifecyclePlan, StoppedByMigrationIsMovedEverythingElseIsStopped) {
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED, 1.0, std::nullopt}, web1())[0].args,
            json::parse(R"({"name": "web1", "mode": "moved"})"));
  for (int detail : {VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN, VIR_DOMAIN_EVENT_STOPPED_DESTROYED,
                     VIR_DOMAIN_EVENT_STOPPED_CRASHED, VIR_DOMAIN_EVENT_STOPPED_SAVED, VIR_DOMAIN_EVENT_STOPPED_FAILED}) {
    EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_STOPPED, detail, 1.0, std::nullopt}, web1())[0].args,
              json::parse(R"({"name": "web1", "mode": "stopped"})"));
  }
  EXPECT_EQ(describe({VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED, 1.0, std::nullopt}), "stopped/migrated");
}

TEST(LifecyclePlan, ADomainWithoutOurElementAsksNothing) {
  const auto plain = vswitch::parse_libvirt_domain("<domain><name>x</name><uuid>00000000-0000-0000-0000-000000000001</uuid></domain>");
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_RESUMED, 0, 1.0, std::nullopt}, plain).empty());
}

}  // namespace
}  // namespace roam6::hooks
