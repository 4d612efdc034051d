#pragma once
// One problem found in a configuration file, located as precisely as the
// loader knows: file, TOML key path and line:column.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace roam6::mip6d {

struct SourcePosition {
  std::uint32_t line = 0;    // 1-based
  std::uint32_t column = 0;  // 1-based, in UTF-8 code points as toml++ counts them

  friend auto operator<=>(const SourcePosition&, const SourcePosition&) = default;
};

// Where each key of a loaded file was: "home_agent.database" -> 12:13 (the
// value's position; for a [[...]] entry such as "sites[1]", its header's).
using KeyPositions = std::map<std::string, SourcePosition, std::less<>>;

struct ConfigError {
  std::string file;
  // Where in the document: "guests[2].mac" (array indices count from 0),
  // "home_agent" for a whole section, empty for the file as a whole.
  std::string key_path;
  std::optional<SourcePosition> position;  // unknown for e.g. unreadable files
  std::string problem;                     // "not a MAC address: '52:54:00:zz:00:01'"

  // "host.toml:12:7: guests[2].mac: not a MAC address: '52:54:00:zz:00:01'"
  [[nodiscard]] std::string to_string() const;
};

}  // namespace roam6::mip6d
