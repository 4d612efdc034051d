#pragma once
// The exact bytes a Mobility Message Authentication option (RFC 4285)
// authenticates, for the sender computing the authenticator and the receiver
// checking it. No cryptography here: the daemon feeds these bytes to its HMAC.
//
// RFC 4285 section 5.1 (MN-HA) and 5.2 (MN-AAA):
//   Authenticator  = First(96, HMAC_SHA1(key, Mobility Data))        (MN-HA)
//   Mobility Data  = care-of address | home address | MH Data
//   MH Data        = the Mobility Header from its first octet up to and
//                    including the Mobility SPI field of this option, with
//                    the Checksum field taken as zero.
// (MN-AAA with HMAC_SHA1_SPI hashes SHA1(Mobility Data) instead; same bytes.)
// So the option's Type, Length and Subtype octets are covered, its
// authentication data is not, and Header Len is covered with its final value:
// finish the MH before computing. The checksum is computed last, over the MH
// with the authenticator in place, and does not change these bytes.
//
// Which addresses: the mobile node's care-of address and home address. For a
// Binding Update sent from the care-of address with a Home Address option,
// that is the IPv6 source and the HAO address; for a Binding Acknowledgement
// sent to the care-of address with a type 2 routing header, the IPv6
// destination and the RH2 address.

#include <array>
#include <cstddef>
#include <cstdint>

#include "roam6/wire/address.hpp"
#include "roam6/wire/bytes.hpp"
#include "roam6/wire/result.hpp"

namespace roam6::wire {

class MobilityAuthInput {
 public:
  MobilityAuthInput() = default;

  // Total length of Mobility Data.
  [[nodiscard]] std::size_t size() const noexcept { return 2 * 16 + covered_; }
  // MH octets covered (through the SPI), checksum included as zero.
  [[nodiscard]] std::size_t covered_mh_length() const noexcept { return covered_; }

  // Calls f(ByteSpan) for each consecutive piece, in order, without copying
  // the packet: care-of address, home address, MH octets 0-3, two zero octets
  // for the checksum, MH octets 6 through the SPI.
  template <class F>
  void for_each_part(F&& f) const {
    f(ByteSpan(care_of_.bytes));
    f(ByteSpan(home_.bytes));
    f(ByteSpan(mh_, 4));
    f(ByteSpan(zero_checksum_));
    f(ByteSpan(mh_ + 6, covered_ - 6));
  }

  // The same bytes, contiguous. Errors: buffer_too_small.
  Result<std::size_t> copy_to(MutableByteSpan out) const noexcept;

 private:
  friend Result<MobilityAuthInput> mobility_auth_input(const Ip6Addr&, const Ip6Addr&, ByteSpan,
                                                       std::size_t) noexcept;
  static constexpr std::array<std::uint8_t, 2> zero_checksum_{};
  Ip6Addr care_of_;
  Ip6Addr home_;
  const std::uint8_t* mh_ = nullptr;
  std::size_t covered_ = 0;
};

// `mh` is the whole Mobility Header (at least through the option) and
// `auth_option_offset` the offset of the authentication option's Type octet
// in it -- MessageAuthentication::offset on receive, or the writer's
// authentication_offset() on send. The result refers to `mh`, which must
// outlive it. Errors: truncated_mobility_header, mobility_auth_option_not_found
// (no complete option of type 9 with subtype, SPI and data at that offset).
Result<MobilityAuthInput> mobility_auth_input(const Ip6Addr& care_of_address,
                                              const Ip6Addr& home_address, ByteSpan mh,
                                              std::size_t auth_option_offset) noexcept;

}  // namespace roam6::wire
