#include "roam6/wire/mobility_auth.hpp"

#include <cstring>

#include "roam6/wire/mobility_header.hpp"
#include "roam6/wire/mobility_options.hpp"

namespace roam6::wire {

Result<MobilityAuthInput> mobility_auth_input(const Ip6Addr& care_of_address,
                                              const Ip6Addr& home_address, ByteSpan mh,
                                              std::size_t auth_option_offset) noexcept {
  if (mh.size() < mobility_header_min_size) return Errc::truncated_mobility_header;
  const std::size_t at = auth_option_offset;
  // The option cannot start inside the base header, and it must be complete:
  // type, length >= subtype + SPI + one octet of data, all inside the MH.
  if (at < mobility_header_base_size || at >= mh.size() || mh.size() - at < 2 ||
      mh[at] != mobility_option::message_authentication ||
      mh[at + 1] <= message_authentication_fixed_length || mh.size() - at - 2 < mh[at + 1])
    return Errc::mobility_auth_option_not_found;
  MobilityAuthInput input;
  input.care_of_ = care_of_address;
  input.home_ = home_address;
  input.mh_ = mh.data();
  input.covered_ = at + message_authentication_covered_length;
  return input;
}

Result<std::size_t> MobilityAuthInput::copy_to(MutableByteSpan out) const noexcept {
  if (out.size() < size()) return Errc::buffer_too_small;
  std::size_t n = 0;
  for_each_part([&](ByteSpan part) {
    if (!part.empty()) std::memcpy(out.data() + n, part.data(), part.size());
    n += part.size();
  });
  return n;
}

}  // namespace roam6::wire
