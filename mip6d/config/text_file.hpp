#pragma once
// Reads a whole, size-bounded regular file (configuration, secret files),
// saying why not in words an operator can act on.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace roam6::mip6d::config_internal {

// nullopt, with `problem` set ("No such file or directory", "larger than ...",
// "not a regular file"), when the file cannot be used. `mode`, when given,
// receives the file's permission bits (st_mode & 07777) as found on the
// descriptor that was read, so a check of them cannot race a rename.
std::optional<std::string> read_text_file(const std::filesystem::path& path, std::size_t max_bytes,
                                          std::string& problem, unsigned* mode = nullptr);

}  // namespace roam6::mip6d::config_internal
