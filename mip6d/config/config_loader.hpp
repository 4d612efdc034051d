#pragma once
// Reads the daemon's TOML configuration (docs/configuration.md) into a
// validated Config, or explains everything that is wrong with it: the loader
// keeps going after the first problem so an operator fixes a file in one pass.

#include <string>
#include <string_view>
#include <optional>
#include <vector>

#include "mip6d/config/config.hpp"
#include "mip6d/config/config_error.hpp"

namespace roam6::mip6d {

class ConfigLoadResult {
 public:
  static ConfigLoadResult success(Config config);
  // `errors` must not be empty.
  static ConfigLoadResult failure(std::vector<ConfigError> errors);

  [[nodiscard]] bool ok() const noexcept { return config_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  // Only when ok().
  [[nodiscard]] const Config& config() const& { return config_.value(); }
  [[nodiscard]] Config&& config() && { return std::move(config_).value(); }
  // Empty when ok(); otherwise in file order (line, then column).
  [[nodiscard]] const std::vector<ConfigError>& errors() const noexcept { return errors_; }
  // Every error's to_string(), one per line; empty when ok().
  [[nodiscard]] std::string error_report() const;

 private:
  ConfigLoadResult() = default;

  // Exactly one is set. (Not a std::variant: GCC 12 at -O2 warns, wrongly,
  // that destroying one that holds a Config reads the vector uninitialised.)
  std::optional<Config> config_;
  std::vector<ConfigError> errors_;
};

// Loads `path`. A key's relative secret_file is resolved against the
// directory `path` is in.
ConfigLoadResult load_config_file(const std::string& path);

// Loads TOML text; `source_name` names it in errors and becomes
// Config::source, and relative secret_file paths are resolved against its
// directory (the current directory when it has none).
ConfigLoadResult load_config_string(std::string_view toml, std::string source_name);

}  // namespace roam6::mip6d
