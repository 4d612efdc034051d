// One Mobility Header, from its first octet: MobilityHeaderView::parse, every
// typed view, the option reader and every option decoder, both forms of
// decode_mobility_options (which must agree), the alignment verifier, and
// mobility_auth_input for each authentication option the decoder found.

#include "fuzz_mobility.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  const auto mh = MobilityHeaderView::parse(input);
  if (!mh) {
    // Typed views refuse nothing but the type, so only a parsed MH gets here.
    return 0;
  }
  touch_mobility_header(*mh, input);
  MobilityOptionSet set;
  (void)touch_mobility_options(*mh, set);

  // The reader over an arbitrary slice (as a caller with its own offsets
  // would use it) stays inside that slice.
  if (mh->options().size() > 1) {
    const ByteSpan slice = mh->options().subspan(1);
    MobilityOptionReader reader(slice, mh->options_offset() + 1);
    while (!reader.done()) {
      const auto o = reader.next();
      if (!o) break;
      FUZZ_CHECK(within(o->data, slice));
      touch(o->data);
    }
  }
  return 0;
}
