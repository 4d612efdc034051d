#pragma once
// Reads a whole, size-bounded regular file (configuration, secret files),
// saying why not in words an operator can act on.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace roam6::mip6d::config_internal {

// nullopt, with `problem` set ("No such file or directory", "larger than ...",
// "not a regular file"), when the file cannot be used.
std::optional<std::string> read_text_file(const std::filesystem::path& path, std::size_t max_bytes,
                                          std::string& problem);

}  // namespace roam6::mip6d::config_internal
