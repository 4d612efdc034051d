#pragma once
// Reads the daemon's TOML configuration (docs/configuration.md) into a
// validated Config, or explains everything that is wrong with it: the loader
// keeps going after the first problem so an operator fixes a file in one pass.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mip6d/config/config.hpp"
#include "mip6d/config/config_error.hpp"

namespace roam6::mip6d {

class ConfigLoadResult {
 public:
  static ConfigLoadResult success(Config config) { return ConfigLoadResult(std::move(config)); }
  // `errors` must not be empty.
  static ConfigLoadResult failure(std::vector<ConfigError> errors);

  [[nodiscard]] bool ok() const noexcept { return std::holds_alternative<Config>(outcome_); }
  explicit operator bool() const noexcept { return ok(); }

  // Only when ok().
  [[nodiscard]] const Config& config() const& { return std::get<Config>(outcome_); }
  [[nodiscard]] Config&& config() && { return std::get<Config>(std::move(outcome_)); }
  // Empty when ok(); otherwise in file order (line, then column).
  [[nodiscard]] const std::vector<ConfigError>& errors() const;
  // Every error's to_string(), one per line; empty when ok().
  [[nodiscard]] std::string error_report() const;

 private:
  explicit ConfigLoadResult(std::variant<Config, std::vector<ConfigError>> outcome)
      : outcome_(std::move(outcome)) {}

  std::variant<Config, std::vector<ConfigError>> outcome_;
};

// Loads `path`. A key's relative secret_file is resolved against the
// directory `path` is in.
ConfigLoadResult load_config_file(const std::string& path);

// Loads TOML text; `source_name` names it in errors and becomes
// Config::source, and relative secret_file paths are resolved against its
// directory (the current directory when it has none).
ConfigLoadResult load_config_string(std::string_view toml, std::string source_name);

}  // namespace roam6::mip6d
