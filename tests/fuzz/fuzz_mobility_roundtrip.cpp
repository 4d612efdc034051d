// Round trip of one Mobility Header: decode it (fixed fields and options),
// rebuild the same message with MobilityHeaderWriter from the decoded values,
// decode the rebuild and compare. Also: the writer's output passes the
// alignment verifier, and its checksum verifies. Finds the asymmetries
// between decoders and writer (a value one accepts and the other refuses or
// changes).

#include <array>

#include "fuzz_mobility.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto mh = MobilityHeaderView::parse(ByteSpan(data, size));
  if (!mh) return 0;
  MobilityOptionSet original;
  if (decode_mobility_options(*mh, original) != Errc::ok) return 0;

  std::array<std::uint8_t, 4096> buf{};
  MobilityHeaderWriter w(buf);
  if (rebuild_mobility_header(*mh, w) != Rebuild::done) return 0;
  const auto rebuilt_size = w.finish();
  if (!rebuild_finished(*mh, rebuilt_size.ok() ? Errc::ok : rebuilt_size.error())) return 0;
  FUZZ_CHECK(*rebuilt_size % 8 == 0 && *rebuilt_size <= mobility_header_max_size);
  // finish() again returns the same size.
  const auto again = w.finish();
  FUZZ_CHECK(again.ok() && *again == *rebuilt_size);

  FUZZ_CHECK(write_mobility_header_checksum(w.bytes(), kCareOf, kHomeAgent) == Errc::ok);
  const auto rebuilt = MobilityHeaderView::parse(w.bytes());
  FUZZ_CHECK(rebuilt.ok());
  FUZZ_CHECK(rebuilt->size() == *rebuilt_size);
  FUZZ_CHECK(rebuilt->checksum_valid(kCareOf, kHomeAgent));
  FUZZ_CHECK(same_message(*mh, *rebuilt));
  FUZZ_CHECK(verify_mobility_option_alignment(*rebuilt) == Errc::ok);

  MobilityOptionSet decoded;
  FUZZ_CHECK(decode_mobility_options(*rebuilt, decoded) == Errc::ok);
  FUZZ_CHECK(same_known_options(original, decoded, false));
  FUZZ_CHECK(decoded.unknown_count == 0);
  touch_set(decoded);
  return 0;
}
