#include "mip6d/config/config_error.hpp"

namespace roam6::mip6d {

std::string ConfigError::to_string() const {
  std::string text = file;
  if (position) {
    text += ':' + std::to_string(position->line) + ':' + std::to_string(position->column);
  }
  text += ": ";
  if (!key_path.empty()) text += key_path + ": ";
  text += problem;
  return text;
}

}  // namespace roam6::mip6d
