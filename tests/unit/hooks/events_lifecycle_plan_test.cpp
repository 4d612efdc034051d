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
    const auto requests = plan_lifecycle({VIR_DOMAIN_EVENT_RESUMED, detail, 1700000000.25}, web1());
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0], (Mip6dRequest{"guest.resume", json{{"name", "web1"}, {"timestamp", 1700000000.25}}}));
  }
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED, 1.0}, web1())[0].command,
            "guest.resume");
}

TEST(LifecyclePlan, AnOutgoingMigrationsPauseHoldsThePackets) {
  for (int detail : {VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED, VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY}) {
    const auto requests = plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, detail, 1.0}, web1());
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0], (Mip6dRequest{"guest.pause", json{{"name", "web1"}}}));
  }
}

TEST(LifecyclePlan, AnIncomingMigrationsPausedStartAndOtherPausesSayNothing) {
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_MIGRATED, 1.0}, web1()).empty());
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, 1.0}, web1()).empty());
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR, 1.0}, web1()).empty());
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_DEFINED, 0, 1.0}, web1()).empty());
}

TEST(LifecyclePlan, StoppedByMigrationIsMovedEverythingElseIsStopped) {
  EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED, 1.0}, web1())[0].args,
            json::parse(R"({"name": "web1", "mode": "moved"})"));
  for (int detail : {VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN, VIR_DOMAIN_EVENT_STOPPED_DESTROYED,
                     VIR_DOMAIN_EVENT_STOPPED_CRASHED, VIR_DOMAIN_EVENT_STOPPED_SAVED, VIR_DOMAIN_EVENT_STOPPED_FAILED}) {
    EXPECT_EQ(plan_lifecycle({VIR_DOMAIN_EVENT_STOPPED, detail, 1.0}, web1())[0].args,
              json::parse(R"({"name": "web1", "mode": "stopped"})"));
  }
  EXPECT_EQ(describe({VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED, 1.0}), "stopped/migrated");
}

TEST(LifecyclePlan, ADomainWithoutOurElementAsksNothing) {
  const auto plain = vswitch::parse_libvirt_domain("<domain><name>x</name><uuid>00000000-0000-0000-0000-000000000001</uuid></domain>");
  EXPECT_TRUE(plan_lifecycle({VIR_DOMAIN_EVENT_RESUMED, 0, 1.0}, plain).empty());
}

}  // namespace
}  // namespace roam6::hooks
