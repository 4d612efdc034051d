#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "migration-hooks/hook/installer.hpp"

namespace roam6::hooks {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "roam6-hooks-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HookInstaller, WritesAnExecutableWrapperBesideOtherHooksAndRemovesOnlyIt) {
  TempDir dir;
  fs::create_directories(dir.path / "qemu.d");
  std::ofstream(dir.path / "qemu.d" / "10-other") << "#!/bin/sh\nexit 0\n";
  HookSettings settings;
  settings.mip6d_socket = "/run/it's here.sock";
  const std::string file = install_hook(dir.path.string(), "/usr/sbin/roam6-libvirt-hook", settings);
  EXPECT_EQ(file, (dir.path / "qemu.d" / "50-roam6").string());
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  const std::string text = read(file);
  EXPECT_EQ(text.rfind("#!/bin/sh\n", 0), 0u);
  // Quoted for the shell, libvirt's arguments passed through untouched.
  EXPECT_NE(text.find("exec '/usr/sbin/roam6-libvirt-hook' --mip6d-socket '/run/it'\\''s here.sock'"),
            std::string::npos);
  EXPECT_NE(text.find("-- \"$@\""), std::string::npos);
  // Installing again replaces ours.
  EXPECT_NO_THROW(install_hook(dir.path.string(), "/usr/sbin/roam6-libvirt-hook", settings));

  EXPECT_EQ(uninstall_hook(dir.path.string()), file);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_TRUE(fs::exists(dir.path / "qemu.d" / "10-other"));
  EXPECT_EQ(uninstall_hook(dir.path.string()), "");  // nothing left to remove
}

TEST(HookInstaller, NeverOverwritesOrRemovesAFileThatIsNotOurs) {
  TempDir dir;
  fs::create_directories(dir.path / "qemu.d");
  std::ofstream(dir.path / "qemu.d" / "50-roam6") << "#!/bin/sh\necho someone else's\n";
  EXPECT_THROW(install_hook(dir.path.string(), "/usr/sbin/roam6-libvirt-hook", {}), InstallError);
  EXPECT_THROW(uninstall_hook(dir.path.string()), InstallError);
  EXPECT_NE(read(dir.path / "qemu.d" / "50-roam6").find("someone else's"), std::string::npos);
  EXPECT_THROW(install_hook(dir.path.string(), "relative/path", {}), InstallError);
}

}  // namespace
}  // namespace roam6::hooks
