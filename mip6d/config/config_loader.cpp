#include "mip6d/config/config_loader.hpp"

#include <toml++/toml.h>

#include <cassert>
#include <filesystem>

#include "mip6d/config/config_checks.hpp"
#include "mip6d/config/config_draft.hpp"
#include "mip6d/config/config_reading.hpp"
#include "mip6d/config/text_file.hpp"
#include "mip6d/config/toml_reader.hpp"

namespace roam6::mip6d {
namespace {

// Generous: a few thousand guests are a few hundred KiB of TOML.
constexpr std::size_t kMaxConfigFileBytes = 16 * 1024 * 1024;

ConfigLoadResult single_error(std::string file, std::optional<SourcePosition> position,
                              std::string problem) {
  return ConfigLoadResult::failure(
      {ConfigError{std::move(file), std::string(), position, std::move(problem)}});
}

}  // namespace

ConfigLoadResult ConfigLoadResult::success(Config config) {
  ConfigLoadResult result;
  result.config_.emplace(std::move(config));
  return result;
}

ConfigLoadResult ConfigLoadResult::failure(std::vector<ConfigError> errors) {
  assert(!errors.empty());
  ConfigLoadResult result;
  result.errors_ = std::move(errors);
  return result;
}

std::string ConfigLoadResult::error_report() const {
  std::string report;
  for (const ConfigError& e : errors()) report += e.to_string() + '\n';
  return report;
}

ConfigLoadResult load_config_file(const std::string& path) {
  std::string problem;
  const auto text = config_internal::read_text_file(path, kMaxConfigFileBytes, problem);
  if (!text) return single_error(path, std::nullopt, "cannot read configuration file: " + problem);
  return load_config_string(*text, path);
}

ConfigLoadResult load_config_string(std::string_view toml_text, std::string source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    // toml++ stops at the first syntax error; nothing after it can be trusted.
    return single_error(source_name, config_internal::position_of(e.source()),
                        "TOML syntax error: " + std::string(e.description()));
  }

  config_internal::ErrorCollector errors(source_name);
  const std::filesystem::path base_directory = std::filesystem::path(source_name).parent_path();
  config_internal::ConfigDraft draft =
      config_internal::read_config_draft(root, base_directory, errors);
  config_internal::check_config_draft(draft, errors);
  if (!errors.empty()) return ConfigLoadResult::failure(errors.take_in_file_order());
  return ConfigLoadResult::success(
      config_internal::to_config(std::move(draft), std::move(source_name)));
}

}  // namespace roam6::mip6d
