#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "vswitch-plugin/identity/domain_directory.hpp"

namespace roam6::vswitch {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "roam6-domains-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

void write(const fs::path& file, const std::string& text) {
  // Written elsewhere and moved in, as the hook does: never a half file.
  const fs::path tmp = file.parent_path() / ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, file);
}

constexpr const char* uuid = "6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d11";

TEST(DomainDirectory, FindsADomainByItsUuidInAnyCase) {
  TempDir dir;
  write(dir.path / (std::string(uuid) + ".xml"), "<domain><name>web1</name></domain>");
  DomainDirectory domains(dir.path.string());
  const auto found = domains.find("6A1B3C6E-0C1D-4B9A-8F52-6E0F2F9C1D11");
  ASSERT_TRUE(std::holds_alternative<LibvirtDomain>(found));
  EXPECT_EQ(std::get<LibvirtDomain>(found).name, "web1");
  EXPECT_TRUE(std::holds_alternative<DomainDirectory::Missing>(domains.find("00000000-0000-0000-0000-000000000000")));
}

TEST(DomainDirectory, TheHookStoresAndRemovesWholeFilesOnly) {
  TempDir dir;
  DomainDirectory domains((dir.path / "made-on-demand").string());
  domains.store("6A1B3C6E-0C1D-4B9A-8F52-6E0F2F9C1D11", "<domain><name>web1</name></domain>");
  const auto found = domains.find(uuid);
  ASSERT_TRUE(std::holds_alternative<LibvirtDomain>(found));
  EXPECT_EQ(std::get<LibvirtDomain>(found).name, "web1");
  // Nothing else is left in the directory: no temporary beside the file.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path / "made-on-demand"))
    names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{std::string(uuid) + ".xml"});
  domains.store(uuid, "<domain><name>web2</name></domain>");
  EXPECT_EQ(std::get<LibvirtDomain>(domains.find(uuid)).name, "web2");
  domains.remove(uuid);
  EXPECT_TRUE(std::holds_alternative<DomainDirectory::Missing>(domains.find(uuid)));
  domains.remove(uuid);  // twice is no error: a release after a failed start
  EXPECT_THROW(domains.store("../etc/passwd", "x"), std::invalid_argument);
  EXPECT_THROW(domains.remove("a/b"), std::invalid_argument);
}

TEST(DomainDirectory, BadFilesAndBadIdsAreUnreadableWithTheReason) {
  TempDir dir;
  write(dir.path / (std::string(uuid) + ".xml"), "<domain>");
  DomainDirectory domains(dir.path.string());
  const auto broken = domains.find(uuid);
  ASSERT_TRUE(std::holds_alternative<DomainDirectory::Unreadable>(broken));
  EXPECT_NE(std::get<DomainDirectory::Unreadable>(broken).reason.find("does not parse"), std::string::npos);
  for (const char* id : {"../etc/passwd", "", "a/b", "6a1b..x"}) {
    EXPECT_TRUE(std::holds_alternative<DomainDirectory::Unreadable>(domains.find(id))) << id;
  }
}

TEST(DomainDirectoryWatch, ReportsFilesWrittenMovedInAndRemoved) {
  TempDir dir;
  boost::asio::io_context io;
  std::vector<std::string> seen;
  DomainDirectoryWatch watch(io, dir.path.string(), [&](const std::string& id) { seen.push_back(id); });
  auto run_until = [&](std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (seen.size() < count && std::chrono::steady_clock::now() < deadline)
      io.run_for(std::chrono::milliseconds(20));
  };
  write(dir.path / "6A1B3C6E-0C1D-4B9A-8F52-6E0F2F9C1D11.xml", "<domain><name>a</name></domain>");
  run_until(1);
  std::ofstream(dir.path / "notes.txt") << "ignored";
  std::ofstream(dir.path / "11111111-2222-3333-4444-555555555555.xml") << "<domain/>";
  run_until(2);
  fs::remove(dir.path / "6A1B3C6E-0C1D-4B9A-8F52-6E0F2F9C1D11.xml");
  run_until(3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], uuid);
  EXPECT_EQ(seen[1], "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(seen[2], uuid);
}

TEST(DomainDirectoryWatch, CreatesAMissingDirectory) {
  TempDir dir;
  boost::asio::io_context io;
  DomainDirectoryWatch watch(io, (dir.path / "domains").string(), [](const std::string&) {});
  EXPECT_TRUE(fs::is_directory(dir.path / "domains"));
}

}  // namespace
}  // namespace roam6::vswitch
