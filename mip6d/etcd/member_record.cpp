#include "mip6d/etcd/member_record.hpp"

#include <openssl/evp.h>

#include <array>
#include <tuple>

#include <nlohmann/json.hpp>

namespace roam6::mip6d::etcd {

std::string encode_member(const MemberRecord& m) {
  return nlohmann::json{{"identity", m.identity}, {"priority", m.priority}, {"ready", m.ready}}.dump();
}

MemberRecord decode_member(std::string name, std::string_view value) {
  MemberRecord m;
  m.name = std::move(name);
  const nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object()) {
    m.identity = std::string(value);
    return m;
  }
  if (const auto it = j.find("identity"); it != j.end() && it->is_string()) m.identity = it->get<std::string>();
  if (const auto it = j.find("priority"); it != j.end() && it->is_number_integer()) m.priority = it->get<int>();
  if (const auto it = j.find("ready"); it != j.end() && it->is_boolean()) m.ready = it->get<bool>();
  return m;
}

std::uint64_t spread_hash(std::string_view name, std::string_view prefix) {
  const std::string input = std::string(name) + '\n' + std::string(prefix);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(input.data(), input.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 || size < 8) return 0;
  std::uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = h << 8 | digest[static_cast<std::size_t>(i)];
  return h;
}

bool outranks(const MemberRecord& a, const MemberRecord& b, std::string_view prefix) {
  return std::make_tuple(a.priority, spread_hash(a.name, prefix), std::string_view(a.name)) >
         std::make_tuple(b.priority, spread_hash(b.name, prefix), std::string_view(b.name));
}

}  // namespace roam6::mip6d::etcd
