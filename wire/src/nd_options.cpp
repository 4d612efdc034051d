#include "roam6/wire/nd_options.hpp"

namespace roam6::wire {

namespace {

constexpr std::uint8_t on_link_flag = 0x80;
constexpr std::uint8_t autonomous_flag = 0x40;
constexpr std::uint8_t other_prefix_flags = 0x3f;

}  // namespace

Result<NdOptions> NdOptions::parse(ByteSpan options) noexcept {
  std::size_t i = 0;
  while (i < options.size()) {
    if (options.size() - i < 2) return Errc::truncated_nd_option;
    const std::size_t length = std::size_t{options[i + 1]} * nd_option_unit;
    if (length == 0) return Errc::zero_length_nd_option;
    if (length > options.size() - i) return Errc::nd_option_exceeds_message;
    i += length;
  }
  return NdOptions(options);
}

Result<MacAddr> decode_link_layer_address(const NdOption& option) noexcept {
  if (option.bytes.size() != link_layer_address_option_size) return Errc::bad_nd_option_length;
  return MacAddr::from_bytes(option.bytes.data() + 2);
}

Result<PrefixInformation> decode_prefix_information(const NdOption& option) noexcept {
  if (option.bytes.size() != prefix_information_option_size) return Errc::bad_nd_option_length;
  const std::uint8_t* p = option.bytes.data();
  const std::uint8_t prefix_length = p[2];
  if (prefix_length > 128) return Errc::bad_nd_prefix_length;
  PrefixInformation info;
  info.on_link = (p[3] & on_link_flag) != 0;
  info.autonomous = (p[3] & autonomous_flag) != 0;
  info.other_flags = p[3] & other_prefix_flags;
  info.valid_lifetime = load_be32(p + 4);
  info.preferred_lifetime = load_be32(p + 8);
  // p + 12: Reserved2
  info.prefix = Ip6Prefix::of(Ip6Addr::from_bytes(p + 16), prefix_length);
  return info;
}

Result<std::uint32_t> decode_mtu_option(const NdOption& option) noexcept {
  if (option.bytes.size() != mtu_option_size) return Errc::bad_nd_option_length;
  return load_be32(option.bytes.data() + 4);
}

Result<NdOptionSet> decode_nd_options(const NdOptions& options, NdOptionUse use) noexcept {
  NdOptionSet set;
  for (const NdOption option : options) {
    switch (option.type) {
      case nd_option_type::source_link_layer_address:
        if (!use.source_link_layer) break;
        {
          const auto mac = decode_link_layer_address(option);
          if (!mac) return mac.error();
          if (!set.source_link_layer) set.source_link_layer = *mac;
        }
        break;
      case nd_option_type::target_link_layer_address:
        if (!use.target_link_layer) break;
        {
          const auto mac = decode_link_layer_address(option);
          if (!mac) return mac.error();
          if (!set.target_link_layer) set.target_link_layer = *mac;
        }
        break;
      case nd_option_type::prefix_information:
        if (!use.prefix_information) break;
        {
          const auto info = decode_prefix_information(option);
          if (!info) return info.error();
          if (set.prefix_count < set.prefix_storage.size()) {
            set.prefix_storage[set.prefix_count++] = *info;
          } else {
            ++set.prefixes_not_stored;
          }
        }
        break;
      case nd_option_type::mtu:
        if (!use.mtu) break;
        {
          const auto mtu = decode_mtu_option(option);
          if (!mtu) return mtu.error();
          if (!set.mtu) set.mtu = *mtu;
        }
        break;
      default:  // Redirected Header (only meaningful in Redirect) and unknown types
        break;
    }
  }
  return set;
}

Result<std::size_t> write_link_layer_address_option(MutableByteSpan out, std::uint8_t type,
                                                    const MacAddr& mac) noexcept {
  if (out.size() < link_layer_address_option_size) return Errc::buffer_too_small;
  std::uint8_t* p = out.data();
  p[0] = type;
  p[1] = 1;
  mac.write_to(p + 2);
  return link_layer_address_option_size;
}

Result<std::size_t> write_prefix_information_option(MutableByteSpan out,
                                                    const PrefixInformation& info) noexcept {
  if (info.prefix.length > 128 || info.preferred_lifetime > info.valid_lifetime)
    return Errc::value_out_of_range;
  if (out.size() < prefix_information_option_size) return Errc::buffer_too_small;
  std::uint8_t* p = out.data();
  p[0] = nd_option_type::prefix_information;
  p[1] = 4;
  p[2] = info.prefix.length;
  p[3] = static_cast<std::uint8_t>((info.on_link ? on_link_flag : 0) |
                                   (info.autonomous ? autonomous_flag : 0) |
                                   (info.other_flags & other_prefix_flags));
  store_be32(p + 4, info.valid_lifetime);
  store_be32(p + 8, info.preferred_lifetime);
  store_be32(p + 12, 0);
  Ip6Prefix::of(info.prefix.address, info.prefix.length).address.write_to(p + 16);
  return prefix_information_option_size;
}

Result<std::size_t> write_mtu_option(MutableByteSpan out, std::uint32_t mtu) noexcept {
  if (out.size() < mtu_option_size) return Errc::buffer_too_small;
  std::uint8_t* p = out.data();
  p[0] = nd_option_type::mtu;
  p[1] = 1;
  store_be16(p + 2, 0);
  store_be32(p + 4, mtu);
  return mtu_option_size;
}

}  // namespace roam6::wire
