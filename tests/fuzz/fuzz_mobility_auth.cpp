// mobility_auth_input over any bytes at any offset. Input: a 16-bit
// big-endian option offset, then the Mobility Header. Whatever it accepts
// must describe bytes inside the MH; and for every authentication option the
// option decoder finds, it must accept that option's offset. Round trip: a
// message rebuilt with the writer gives the same authenticated bytes from
// MobilityHeaderWriter::auth_input as from mobility_auth_input.

#include <array>
#include <cstring>

#include "fuzz_mobility.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

namespace {

void check_any_offset(ByteSpan mh, std::size_t offset) {
  const auto input = mobility_auth_input(kCareOf, kHome, mh, offset);
  if (!input) {
    FUZZ_CHECK(input.error() == Errc::truncated_mobility_header ||
               input.error() == Errc::mobility_auth_option_not_found);
    return;
  }
  FUZZ_CHECK(offset >= mobility_header_base_size);
  FUZZ_CHECK(mh[offset] == mobility_option::message_authentication);
  FUZZ_CHECK(input->covered_mh_length() == offset + message_authentication_covered_length);
  FUZZ_CHECK(input->covered_mh_length() <= mh.size());
  // The option is complete: its data (subtype, SPI, authenticator) fits.
  FUZZ_CHECK(offset + 2 + mh[offset + 1] <= mh.size());
  std::size_t total = 0;
  input->for_each_part([&](ByteSpan part) {
    touch(part);
    total += part.size();
  });
  FUZZ_CHECK(total == input->size());
  std::array<std::uint8_t, 2 * 16 + 0x10000 + 16> copy{};
  const auto n = input->copy_to(copy);
  FUZZ_CHECK(n.ok() && *n == input->size());
  FUZZ_CHECK(std::memcmp(copy.data() + 32, mh.data(), 4) == 0);
  FUZZ_CHECK(copy[36] == 0 && copy[37] == 0);
  FUZZ_CHECK(std::memcmp(copy.data() + 38, mh.data() + 6, input->covered_mh_length() - 6) == 0);
}

// The writer's view of the authenticated bytes, for a rebuilt message.
void check_writer_round_trip(const MobilityHeaderView& mh) {
  std::array<std::uint8_t, 4096> buf{};
  MobilityHeaderWriter w(buf);
  if (rebuild_mobility_header(mh, w) != Rebuild::done) return;
  const auto size = w.finish();
  if (!rebuild_finished(mh, size.ok() ? Errc::ok : size.error())) return;
  const auto from_writer = w.auth_input(kCareOf, kHome);
  if (!w.authentication_offset()) {
    FUZZ_CHECK(from_writer.error() == Errc::mobility_auth_option_not_found);
    return;
  }
  FUZZ_CHECK(from_writer.ok());
  const auto from_bytes =
      mobility_auth_input(kCareOf, kHome, w.bytes(), *w.authentication_offset());
  FUZZ_CHECK(from_bytes.ok());
  std::array<std::uint8_t, 2 * 16 + mobility_header_max_size> a{}, b{};
  const auto na = from_writer->copy_to(a);
  const auto nb = from_bytes->copy_to(b);
  FUZZ_CHECK(na.ok() && nb.ok() && *na == *nb);
  FUZZ_CHECK(std::memcmp(a.data(), b.data(), *na) == 0);
  // The writer's last authentication option is the one the decoder keeps
  // last: MN-AAA when there is one, else MN-HA.
  const auto rebuilt = MobilityHeaderView::parse(w.bytes());
  FUZZ_CHECK(rebuilt.ok());
  MobilityOptionSet set;
  FUZZ_CHECK(decode_mobility_options(*rebuilt, set) == Errc::ok);
  const auto& last = set.mn_aaa_authentication ? set.mn_aaa_authentication : set.mn_ha_authentication;
  FUZZ_CHECK(last.has_value() && last->offset == *w.authentication_offset());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t offset = load_be16(data);
  const ByteSpan mh_bytes(data + 2, size - 2);
  check_any_offset(mh_bytes, offset);
  // Near offsets too, so one input tries the option start and its neighbours.
  if (offset > 0) check_any_offset(mh_bytes, offset - 1);
  check_any_offset(mh_bytes, offset + 1);

  const auto mh = MobilityHeaderView::parse(mh_bytes);
  if (!mh) return 0;
  MobilityOptionSet set;
  // Checks mobility_auth_input on every authentication option it finds.
  if (touch_mobility_options(*mh, set) != Errc::ok) return 0;
  check_writer_round_trip(*mh);
  return 0;
}
