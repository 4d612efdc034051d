#pragma once
// A benchmark option's comma-separated list of positive integers
// ("1,1000,1000000"), or nullopt when an item is not one.

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace roam6::bench {

inline std::optional<std::vector<long>> parse_positive_list(const std::string& list) {
  std::vector<long> values;
  std::size_t start = 0;
  while (true) {
    const auto comma = list.find(',', start);
    const long v = std::atol(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start).c_str());
    if (v <= 0) return std::nullopt;
    values.push_back(v);
    if (comma == std::string::npos) return values;
    start = comma + 1;
  }
}

}  // namespace roam6::bench
