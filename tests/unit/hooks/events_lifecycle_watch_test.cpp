// The watch against libvirt's own test driver (test:///default, in this
// process): real lifecycle events from libvirt's event loop, no libvirtd.
#include <gtest/gtest.h>

#include <libvirt/libvirt.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "migration-hooks/events/lifecycle_watch.hpp"
#include "vswitch-plugin/identity/domain_directory.hpp"

namespace roam6::hooks {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string roam6_metadata(const std::string& mac, const std::string& hoa) {
  return R"(<metadata><roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1"><roam6:interface mac=")" + mac +
         R"(" home-address=")" + hoa + R"(" home-site="paris"/></roam6:guest></metadata>)";
}

class LifecycleWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "roam6-events-XXXXXX").string();
    dir = mkdtemp(pattern.data());
    settings.uri = "test:///default";
    settings.domains = (dir / "domains").string();
    watch = std::make_unique<LifecycleWatch>(settings, log, [this](const std::vector<Mip6dRequest>& r, const std::string&) {
      std::lock_guard lock(mutex);
      requests.insert(requests.end(), r.begin(), r.end());
    });
    thread = std::thread([this] { watch->run(); });
    for (int i = 0; i < 500 && !watch->watching(); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(watch->watching());
    conn = virConnectOpen("test:///default");
    ASSERT_NE(conn, nullptr);
  }
  void TearDown() override {
    watch->stop();
    thread.join();
    if (conn != nullptr) virConnectClose(conn);
    fs::remove_all(dir);
  }

  // Waits for `count` requests; returns them.
  std::vector<Mip6dRequest> wait_for(std::size_t count) {
    for (int i = 0; i < 300; ++i) {
      {
        std::lock_guard lock(mutex);
        if (requests.size() >= count) return requests;
      }
      std::this_thread::sleep_for(10ms);
    }
    std::lock_guard lock(mutex);
    return requests;
  }

  fs::path dir;
  WatchSettings settings;
  mip6d::Logger log{mip6d::LogLevel::debug, [](mip6d::LogLevel, std::string_view line) {
                      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
                    }};
  std::unique_ptr<LifecycleWatch> watch;
  std::thread thread;
  virConnectPtr conn = nullptr;
  std::mutex mutex;
  std::vector<Mip6dRequest> requests;
};

TEST_F(LifecycleWatchTest, PauseResumeAndDestroyOfADomainTheHookKept) {
  virDomainPtr domain = virDomainLookupByName(conn, "test");  // the test driver's own domain
  ASSERT_NE(domain, nullptr);
  char uuid[VIR_UUID_STRING_BUFLEN];
  ASSERT_EQ(virDomainGetUUIDString(domain, uuid), 0);
  // The hook's copy says it is a roam6 guest (the driver's XML does not).
  vswitch::DomainDirectory(settings.domains)
      .store(uuid, "<domain><name>test</name><uuid>" + std::string(uuid) + "</uuid>" +
                       roam6_metadata("52:54:00:00:00:01", "2001:db8:a::100") + "</domain>");
  const double before = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_EQ(virDomainSuspend(domain), 0);
  ASSERT_EQ(virDomainResume(domain), 0);
  auto got = wait_for(1);
  ASSERT_EQ(got.size(), 1u);  // the pause asks nothing
  EXPECT_EQ(got[0].command, "guest.resume");
  EXPECT_EQ(got[0].args["name"], "test");
  EXPECT_GE(got[0].args["timestamp"].get<double>(), before);
  ASSERT_EQ(virDomainDestroy(domain), 0);
  got = wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], (Mip6dRequest{"guest.detach", nlohmann::json{{"name", "test"}, {"mode", "stopped"}}}));
  virDomainFree(domain);
}

TEST_F(LifecycleWatchTest, WithoutTheHooksCopyTheDomainIsAskedOfLibvirt) {
  // Persistent, so that libvirt still knows it when its stop is reported
  // (events are delivered after the fact; a transient domain may be gone by
  // then, and only the hook's copy could say whose it was).
  const std::string ours = "<domain type='test'><name>web9</name><memory>65536</memory><os><type>hvm</type></os>" +
                           roam6_metadata("52:54:00:00:00:09", "2001:db8:a::9") + "</domain>";
  virDomainPtr domain = virDomainDefineXML(conn, ours.c_str());
  ASSERT_NE(domain, nullptr);
  ASSERT_EQ(virDomainCreate(domain), 0);
  auto got = wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].command, "guest.resume");  // started/booted: it runs here
  EXPECT_EQ(got[0].args["name"], "web9");
  // Not ours: no request for it at all.
  virDomainPtr plain = virDomainDefineXML(
      conn, "<domain type='test'><name>plain</name><memory>65536</memory><os><type>hvm</type></os></domain>");
  ASSERT_NE(plain, nullptr);
  ASSERT_EQ(virDomainCreate(plain), 0);
  ASSERT_EQ(virDomainDestroy(plain), 0);
  ASSERT_EQ(virDomainDestroy(domain), 0);
  got = wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].args, nlohmann::json::parse(R"({"name": "web9", "mode": "stopped"})"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(wait_for(3).size(), 2u);
  virDomainUndefine(plain);
  virDomainUndefine(domain);
  virDomainFree(plain);
  virDomainFree(domain);
}

// A transient roam6 domain without the hook's copy (a migration's source
// after `release end` removed it): libvirt no longer knows it when its stop
// is reported, and the watch remembers whose it was from its start.
TEST_F(LifecycleWatchTest, ATransientDomainsStopIsKnownFromItsStart) {
  const std::string ours = "<domain type='test'><name>tr7</name><memory>65536</memory><os><type>hvm</type></os>" +
                           roam6_metadata("52:54:00:00:00:07", "2001:db8:a::7") + "</domain>";
  virDomainPtr domain = virDomainCreateXML(conn, ours.c_str(), 0);
  ASSERT_NE(domain, nullptr);
  auto got = wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].command, "guest.resume");
  ASSERT_EQ(virDomainDestroy(domain), 0);
  got = wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], (Mip6dRequest{"guest.detach", nlohmann::json{{"name", "tr7"}, {"mode", "stopped"}}}));
  virDomainFree(domain);
}

// roam6-libvirt-events keeps each running guest's sequence number in its
// domain's live metadata, for the XML a migration carries.
TEST(LifecycleWatchPublish, TheSequenceNumberGoesIntoTheLiveMetadata) {
  virConnectPtr conn = virConnectOpen("test:///default");
  ASSERT_NE(conn, nullptr);
  const std::string xml = "<domain type='test'><name>pub1</name><memory>65536</memory><os><type>hvm</type></os>" +
                          roam6_metadata("52:54:00:00:00:31", "2001:db8:a::31") + "</domain>";
  virDomainPtr domain = virDomainCreateXML(conn, xml.c_str(), 0);
  ASSERT_NE(domain, nullptr);
  std::mutex mutex;
  unsigned sequence = 100;
  WatchSettings settings;
  settings.uri = "test:///default";
  settings.publish_interval = std::chrono::milliseconds(50);
  mip6d::Logger log;
  LifecycleWatch watch(settings, log, [](const std::vector<Mip6dRequest>&, const std::string&) {}, [&]() {
    std::lock_guard lock(mutex);
    return std::optional<nlohmann::json>(nlohmann::json{{"guests", nlohmann::json::array({
        {{"name", "pub1"}, {"mac", "52:54:00:00:00:31"}, {"resumed", true}, {"sequence", sequence}}})}});
  });
  std::thread thread([&] { watch.run(); });
  auto metadata = [&]() {
    char* text = virDomainGetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, "https://roam6.dev/xmlns/libvirt/1",
                                      VIR_DOMAIN_AFFECT_LIVE);
    std::string out = text != nullptr ? text : "";
    std::free(text);
    return out;
  };
  auto wait_for = [&](const std::string& wanted) {
    for (int i = 0; i < 200 && metadata().find(wanted) == std::string::npos; ++i)
      std::this_thread::sleep_for(10ms);
    return metadata();
  };
  EXPECT_NE(wait_for("sequence=\"100\"").find("sequence=\"100\""), std::string::npos) << metadata();
  {
    std::lock_guard lock(mutex);
    sequence = 101;  // a refresh
  }
  const std::string after = wait_for("sequence=\"101\"");
  EXPECT_NE(after.find("sequence=\"101\""), std::string::npos) << after;
  EXPECT_NE(after.find("home-address=\"2001:db8:a::31\""), std::string::npos);
  // What the destination's hook reads back: the domain parser understands it.
  char* full = virDomainGetXMLDesc(domain, 0);
  ASSERT_NE(full, nullptr);
  const auto parsed = vswitch::parse_libvirt_domain(full);
  std::free(full);
  ASSERT_EQ(parsed.homes.size(), 1u);
  EXPECT_EQ(parsed.homes[0].sequence, std::uint16_t{101});
  watch.stop();
  thread.join();
  virDomainDestroy(domain);
  virDomainFree(domain);
  virConnectClose(conn);
}

TEST(LifecycleWatchStart, AnUnreachableLibvirtAtStartIsAnError) {
  WatchSettings settings;
  settings.uri = "qemu+unix:///system?socket=/nonexistent/libvirt-sock";
  mip6d::Logger log;
  LifecycleWatch watch(settings, log, [](const std::vector<Mip6dRequest>&, const std::string&) {});
  EXPECT_FALSE(watch.run(/*give_up_if_unreachable=*/true));
}

}  // namespace
}  // namespace roam6::hooks
