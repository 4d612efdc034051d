#include "mip6d/control/command_args.hpp"

#include <cmath>
#include <limits>

#include "mip6d/control/control_error.hpp"

namespace roam6::mip6d::control {
namespace {

using nlohmann::json;

std::string in_quotes(std::string_view field) { return "\"" + std::string(field) + "\""; }

[[noreturn]] void bad_request(std::string_view field, std::string_view problem) {
  throw ControlError(error_code::bad_request, "argument " + in_quotes(field) + " " + std::string(problem));
}

[[noreturn]] void invalid_argument(std::string_view field, std::string_view problem) {
  throw ControlError(error_code::invalid_argument,
                     "argument " + in_quotes(field) + " " + std::string(problem));
}

// The field's value, or nullptr when it is absent or null.
const json* find_field(const json& args, std::string_view field) {
  if (!args.is_object()) {
    throw ControlError(error_code::bad_request, "\"args\" must be an object");
  }
  const auto found = args.find(field);
  if (found == args.end() || found->is_null()) return nullptr;
  return &*found;
}

const json& required_field(const json& args, std::string_view field) {
  const json* value = find_field(args, field);
  if (value == nullptr) bad_request(field, "is required");
  return *value;
}

std::string string_value(const json& value, std::string_view field) {
  if (!value.is_string()) bad_request(field, std::string("must be a string, got ") + value.type_name());
  auto text = value.get<std::string>();
  if (text.empty()) bad_request(field, "must not be empty");
  return text;
}

template <typename Unsigned>
Unsigned unsigned_value(const json& value, std::string_view field) {
  constexpr auto max = std::numeric_limits<Unsigned>::max();
  const std::string range = "must be an integer from 0 to " + std::to_string(max);
  // Parsed JSON holds non-negative integers as unsigned, but a json built
  // in C++ from an int holds a signed one; both are fine when in range.
  if (value.is_number_unsigned() ||
      (value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
    const auto n = value.get<std::uint64_t>();
    if (n > max) bad_request(field, range);
    return static_cast<Unsigned>(n);
  }
  // Negative integers and floats (even 3.0: JSON writers that emit it mean a
  // float) are refused alike.
  bad_request(field, range);
}

wire::Ip6Addr address_value(const json& value, std::string_view field) {
  const auto text = string_value(value, field);
  const auto address = wire::Ip6Addr::parse(text);
  if (!address) invalid_argument(field, "is not an IPv6 address: \"" + text + "\"");
  return *address;
}

}  // namespace

std::string require_string(const json& args, std::string_view field) {
  return string_value(required_field(args, field), field);
}

std::optional<std::string> optional_string(const json& args, std::string_view field) {
  const json* value = find_field(args, field);
  if (value == nullptr) return std::nullopt;
  return string_value(*value, field);
}

std::uint16_t require_u16(const json& args, std::string_view field) {
  return unsigned_value<std::uint16_t>(required_field(args, field), field);
}

std::optional<std::uint16_t> optional_u16(const json& args, std::string_view field) {
  const json* value = find_field(args, field);
  if (value == nullptr) return std::nullopt;
  return unsigned_value<std::uint16_t>(*value, field);
}

std::optional<std::uint64_t> optional_u64(const json& args, std::string_view field) {
  const json* value = find_field(args, field);
  if (value == nullptr) return std::nullopt;
  return unsigned_value<std::uint64_t>(*value, field);
}

std::optional<double> optional_number(const json& args, std::string_view field) {
  const json* value = find_field(args, field);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) bad_request(field, std::string("must be a number, got ") + value->type_name());
  const auto number = value->get<double>();
  if (!std::isfinite(number)) bad_request(field, "must be a finite number");
  return number;
}

std::optional<bool> optional_bool(const json& args, std::string_view field) {
  const json* value = find_field(args, field);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) bad_request(field, std::string("must be true or false, got ") + value->type_name());
  return value->get<bool>();
}

wire::Ip6Addr require_ip6_address(const json& args, std::string_view field) {
  return address_value(required_field(args, field), field);
}

std::optional<wire::Ip6Addr> optional_ip6_address(const json& args, std::string_view field) {
  const json* value = find_field(args, field);
  if (value == nullptr) return std::nullopt;
  return address_value(*value, field);
}

std::optional<wire::MacAddr> optional_mac(const json& args, std::string_view field) {
  const json* value = find_field(args, field);
  if (value == nullptr) return std::nullopt;
  const auto text = string_value(*value, field);
  const auto mac = wire::MacAddr::parse(text);
  if (!mac) invalid_argument(field, "is not a MAC address: \"" + text + "\"");
  return *mac;
}

std::string require_choice(const json& args, std::string_view field,
                           std::initializer_list<std::string_view> choices) {
  auto text = require_string(args, field);
  std::string expected;
  for (const auto choice : choices) {
    if (text == choice) return text;
    if (!expected.empty()) expected += ", ";
    expected += in_quotes(choice);
  }
  invalid_argument(field, "must be one of " + expected + ", got \"" + text + "\"");
}

void reject_unknown_args(const json& args, std::initializer_list<std::string_view> allowed) {
  if (!args.is_object()) {
    throw ControlError(error_code::bad_request, "\"args\" must be an object");
  }
  for (const auto& item : args.items()) {
    bool known = false;
    for (const auto name : allowed) known = known || item.key() == name;
    if (!known) {
      throw ControlError(error_code::bad_request, "unknown argument " + in_quotes(item.key()));
    }
  }
}

}  // namespace roam6::mip6d::control
