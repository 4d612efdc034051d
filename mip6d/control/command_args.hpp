#pragma once
// Readers for the fields of a command's "args" object, so that every command
// refuses bad arguments the same way and names the field at fault.
//   bad_request       the field is missing, has the wrong JSON type, is an
//                     empty string, or a number outside the type's range
//   invalid_argument  the field is well-typed but its value is not what it
//                     must be (not an IPv6 address, not a MAC, not a choice)
// For optional fields, absent and null mean the same: not given.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "roam6/wire/address.hpp"

namespace roam6::mip6d::control {

std::string require_string(const nlohmann::json& args, std::string_view field);
std::optional<std::string> optional_string(const nlohmann::json& args, std::string_view field);

std::uint16_t require_u16(const nlohmann::json& args, std::string_view field);
std::optional<std::uint16_t> optional_u16(const nlohmann::json& args, std::string_view field);
std::optional<std::uint64_t> optional_u64(const nlohmann::json& args, std::string_view field);
// Any finite JSON number, integer or not.
std::optional<double> optional_number(const nlohmann::json& args, std::string_view field);
std::optional<bool> optional_bool(const nlohmann::json& args, std::string_view field);

wire::Ip6Addr require_ip6_address(const nlohmann::json& args, std::string_view field);
std::optional<wire::Ip6Addr> optional_ip6_address(const nlohmann::json& args,
                                                  std::string_view field);
std::optional<wire::MacAddr> optional_mac(const nlohmann::json& args, std::string_view field);

// A string field that must be one of `choices` (invalid_argument otherwise).
std::string require_choice(const nlohmann::json& args, std::string_view field,
                           std::initializer_list<std::string_view> choices);

// bad_request naming the first member of `args` not in `allowed`, so that a
// misspelt option is reported instead of silently ignored.
void reject_unknown_args(const nlohmann::json& args,
                         std::initializer_list<std::string_view> allowed);

}  // namespace roam6::mip6d::control
