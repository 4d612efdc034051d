#pragma once
// Shared secrets for RFC 4285 authentication, as the operator writes them:
// hex inline (secret_hex) or hex in a file of their own (secret_file). Error
// messages never quote secret material.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roam6::mip6d::config_internal {

// Hex digits (either case, an even number of them) of at least
// limits::min_secret_bytes bytes; nullopt with `problem` set otherwise.
std::optional<std::vector<std::uint8_t>> decode_hex_secret(std::string_view hex,
                                                           std::string& problem);

// The hex secret in `path` (surrounding whitespace, such as the final newline,
// ignored); a relative path is taken relative to `base_directory`.
std::optional<std::vector<std::uint8_t>> read_secret_file(
    std::string_view path, const std::filesystem::path& base_directory, std::string& problem);

}  // namespace roam6::mip6d::config_internal
