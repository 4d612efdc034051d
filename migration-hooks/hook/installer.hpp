#pragma once
// Installing the hook the way libvirt (6.5 and later) lets several hooks
// live together: one executable file in <hooks>/qemu.d/, run in name order
// after <hooks>/qemu if that exists. Ours is a two-line wrapper that runs
// this program with the operator's options, so the options are visible in
// the file and the program can be upgraded in place.

#include <stdexcept>
#include <string>

#include "migration-hooks/hook/hook_runner.hpp"

namespace roam6::hooks {

inline constexpr const char* hook_file_name = "50-roam6";
// The line that marks a file as ours: uninstall removes nothing else.
inline constexpr const char* hook_file_marker = "# roam6-libvirt-hook: installed by `roam6-libvirt-hook install`";

class InstallError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Returns the path written. `program`: the absolute path of the hook
// program. Throws InstallError.
std::string install_hook(const std::string& hooks_dir, const std::string& program, const HookSettings& settings);
// Returns the path removed, or empty when there was nothing of ours to
// remove. Throws InstallError when the file there is not ours.
std::string uninstall_hook(const std::string& hooks_dir);

}  // namespace roam6::hooks
