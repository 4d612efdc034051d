#include "migration-hooks/hook/installer.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace roam6::hooks {
namespace {

namespace fs = std::filesystem;

// For /bin/sh: single quotes, with each ' written as '\''.
std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string install_hook(const std::string& hooks_dir, const std::string& program, const HookSettings& settings) {
  if (program.empty() || program.front() != '/') throw InstallError("the hook program's path must be absolute: " + program);
  const fs::path dir = fs::path(hooks_dir) / "qemu.d";
  const fs::path file = dir / hook_file_name;
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw InstallError("cannot create " + dir.string() + ": " + error.message());
  if (fs::exists(file) && read_file(file).find(hook_file_marker) == std::string::npos)
    throw InstallError(file.string() + " exists and is not roam6's; move it away first");
  std::ostringstream text;
  text << "#!/bin/sh\n"
       << hook_file_marker << "\n"
       << "# libvirt runs every executable in this directory for each qemu domain operation;\n"
       << "# remove with `roam6-libvirt-hook --hooks-dir " << hooks_dir << " uninstall`.\n"
       << "exec " << shell_quoted(program) << " --mip6d-socket " << shell_quoted(settings.mip6d_socket)
       << " --domains " << shell_quoted(settings.domains) << " --budget-ms " << settings.budget.count()
       << " -- \"$@\"\n";
  const fs::path temporary = dir / (std::string(".") + hook_file_name + ".new");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text.str();
    out.close();
    if (!out) throw InstallError("cannot write " + temporary.string());
  }
  if (::chmod(temporary.c_str(), 0755) != 0 || ::rename(temporary.c_str(), file.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw InstallError("cannot install " + file.string() + ": " + reason);
  }
  return file.string();
}

std::string uninstall_hook(const std::string& hooks_dir) {
  const fs::path file = fs::path(hooks_dir) / "qemu.d" / hook_file_name;
  if (!fs::exists(file)) return {};
  if (read_file(file).find(hook_file_marker) == std::string::npos)
    throw InstallError(file.string() + " is not roam6's; left alone");
  if (::unlink(file.c_str()) != 0) throw InstallError("cannot remove " + file.string() + ": " + std::strerror(errno));
  return file.string();
}

}  // namespace roam6::hooks
