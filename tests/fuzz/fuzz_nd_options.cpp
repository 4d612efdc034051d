// Neighbour Discovery options on their own: NdOptions::parse over any bytes,
// iteration, every decoder on every option, and decode_nd_options with each
// selection of types a message may use.

#include "fuzz_nd.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  const auto options = NdOptions::parse(input);
  if (!options) {
    FUZZ_CHECK(options.error() == Errc::truncated_nd_option ||
               options.error() == Errc::zero_length_nd_option ||
               options.error() == Errc::nd_option_exceeds_message);
    return 0;
  }
  FUZZ_CHECK(options->bytes().data() == input.data() && options->bytes().size() == size);
  touch_nd_options(*options);
  for (unsigned bits = 0; bits < 16; ++bits) {
    NdOptionUse use_types;
    use_types.source_link_layer = (bits & 1) != 0;
    use_types.target_link_layer = (bits & 2) != 0;
    use_types.prefix_information = (bits & 4) != 0;
    use_types.mtu = (bits & 8) != 0;
    const auto set = decode_nd_options(*options, use_types);
    if (!set) {
      FUZZ_CHECK(set.error() == Errc::bad_nd_option_length ||
                 set.error() == Errc::bad_nd_prefix_length);
      continue;
    }
    touch_nd_set(*set);
    // Types not asked for stay empty.
    if (!use_types.source_link_layer) FUZZ_CHECK(!set->source_link_layer);
    if (!use_types.target_link_layer) FUZZ_CHECK(!set->target_link_layer);
    if (!use_types.prefix_information) FUZZ_CHECK(set->prefix_count == 0);
    if (!use_types.mtu) FUZZ_CHECK(!set->mtu);
  }
  return 0;
}
