#include "mip6d/config/key_secret.hpp"

#include <charconv>

#include "mip6d/config/config.hpp"
#include "mip6d/config/text_file.hpp"

namespace roam6::mip6d::config_internal {
namespace {

// Secrets are a few dozen hex digits; anything much larger is the wrong file.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// "0644"
std::string octal_mode(unsigned mode) {
  std::string text(4, '0');
  for (int i = 3; i >= 0; --i, mode >>= 3) text[static_cast<std::size_t>(i)] = static_cast<char>('0' + (mode & 7));
  return text;
}

// "readable by group, readable and writable by others" for the bits of
// `mode` that let anyone but the owner at the file; empty when none do.
std::string access_beyond_owner(unsigned mode) {
  const auto rights = [](unsigned bits) {
    std::string text;
    const auto add = [&](unsigned bit, std::string_view word) {
      if ((bits & bit) == 0) return;
      if (!text.empty()) text += (bits & (bit - 1)) != 0 ? ", " : " and ";
      text += word;
    };
    add(4, "readable");
    add(2, "writable");
    add(1, "executable");
    return text;
  };
  std::string text;
  if (const auto group = rights((mode >> 3) & 7); !group.empty()) text = group + " by group";
  if (const auto others = rights(mode & 7); !others.empty())
    text += (text.empty() ? "" : ", ") + others + " by others";
  return text;
}

std::string_view trim_whitespace(std::string_view text) {
  constexpr std::string_view kWhitespace = " \t\r\n";
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

}  // namespace

std::optional<std::vector<std::uint8_t>> decode_hex_secret(std::string_view hex,
                                                           std::string& problem) {
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (!is_hex_digit(hex[i])) {
      // The position, not the character: the rest of the string is secret.
      problem = "not a hex string: character " + std::to_string(i + 1) + " is not a hex digit";
      return std::nullopt;
    }
  }
  if (hex.size() % 2 != 0) {
    problem = "odd number of hex digits (" + std::to_string(hex.size()) + ")";
    return std::nullopt;
  }
  if (hex.size() / 2 < limits::min_secret_bytes) {
    problem = "secret is " + std::to_string(hex.size() / 2) + " bytes; at least " +
              std::to_string(limits::min_secret_bytes) + " (" +
              std::to_string(2 * limits::min_secret_bytes) + " hex digits) are required";
    return std::nullopt;
  }
  std::vector<std::uint8_t> secret(hex.size() / 2);
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const char* pair = hex.data() + 2 * i;
    // Cannot fail: both characters were checked above.
    std::from_chars(pair, pair + 2, secret[i], 16);
  }
  return secret;
}

std::optional<std::vector<std::uint8_t>> read_secret_file(
    std::string_view path, const std::filesystem::path& base_directory, std::string& problem) {
  const std::filesystem::path resolved = base_directory / std::filesystem::path(path);
  std::string read_problem;
  unsigned mode = 0;
  const auto content = read_text_file(resolved, kMaxSecretFileBytes, read_problem, &mode);
  if (!content) {
    problem = "cannot read secret file '" + resolved.string() + "': " + read_problem;
    return std::nullopt;
  }
  // As ssh refuses a private key others can read: a secret anyone but its
  // owner can read (or replace) is no longer a secret of this node's.
  if (const std::string beyond = access_beyond_owner(mode); !beyond.empty()) {
    problem = "secret file '" + resolved.string() + "' has mode " + octal_mode(mode) + ": " +
              beyond + "; a secret must be accessible by its owner only: chmod 600 '" +
              resolved.string() + "'";
    return std::nullopt;
  }
  std::string hex_problem;
  auto secret = decode_hex_secret(trim_whitespace(*content), hex_problem);
  if (!secret) problem = "secret file '" + resolved.string() + "': " + hex_problem;
  return secret;
}

}  // namespace roam6::mip6d::config_internal
