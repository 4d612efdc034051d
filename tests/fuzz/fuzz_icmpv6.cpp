// ICMPv6: Icmpv6View::parse on the raw input and, when the input is an IPv6
// packet whose chain ends in ICMPv6, parse_icmpv6 on its message (checksum
// fixed up when wrong, so mutations get past it); every typed view
// (echo and the four errors) and its accessors; the invoking packet of an
// error parsed as IPv6, as a receiver of the error would. Round trips: echo
// and error messages rebuilt with the builders parse back to the same fields.

#include <array>
#include <vector>

#include "fuzz_support.hpp"
#include "roam6/wire/icmpv6.hpp"

using namespace roam6::wire;
using namespace roam6::wire::fuzz;

namespace {

const Icmpv6Envelope kEnvelope{kHomeAgent, kCareOf, 64, 0, 0};

std::array<std::uint8_t, 2 * 65536> g_out;

void touch_error(const Icmpv6ErrorView& e, const Icmpv6View& icmp) {
  use(e.code());
  FUZZ_CHECK(e.code() == icmp.code());
  FUZZ_CHECK(e.invoking_packet().data() == icmp.message().data() + icmpv6_error_header_size);
  FUZZ_CHECK(within(e.invoking_packet(), icmp.message()));
  touch(e.invoking_packet());
  if (const auto inner = Ipv6View::parse(e.invoking_packet())) {
    touch_ipv6(*inner, e.invoking_packet());
    if (const auto chain = walk_extension_chain(*inner)) touch_chain(*chain, inner->packet());
  }
}

// The error rebuilt from its fields reads back the same.
void error_round_trip(const Icmpv6View& icmp, std::uint32_t word, ByteSpan invoking) {
  const auto n = write_icmpv6_error(g_out, kEnvelope, icmp.type(), icmp.code(), word, invoking);
  FUZZ_CHECK(n.ok());
  FUZZ_CHECK(*n <= ipv6_minimum_mtu);
  const auto ip = Ipv6View::parse(ByteSpan(g_out.data(), *n));
  FUZZ_CHECK(ip.ok());
  const auto back = parse_icmpv6(*ip, ip->payload());
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back->type() == icmp.type() && back->code() == icmp.code());
  FUZZ_CHECK(load_be32(back->message().data() + 4) == word);
  const std::size_t kept = std::min(invoking.size(), icmpv6_error_max_invoking_bytes);
  FUZZ_CHECK(back->message().size() == icmpv6_error_header_size + kept);
  FUZZ_CHECK(same_bytes(back->message().subspan(icmpv6_error_header_size), invoking.first(kept)));
}

void touch_icmp(const Icmpv6View& icmp, ByteSpan message) {
  use(icmp.type());
  use(icmp.code());
  use(icmp.checksum());
  FUZZ_CHECK(icmp.message().data() == message.data() && icmp.message().size() == message.size());
  FUZZ_CHECK(icmp.body().data() == message.data() + icmpv6_header_size);
  touch(icmp.body());
  FUZZ_CHECK(icmp.is_error() == (icmp.type() < 128));
  use(icmp.checksum_valid(kCareOf, kHomeAgent));

  if (const auto echo = EchoView::parse(icmp)) {
    FUZZ_CHECK(icmp.type() == icmpv6_type::echo_request || icmp.type() == icmpv6_type::echo_reply);
    FUZZ_CHECK(echo->is_request() == (icmp.type() == icmpv6_type::echo_request));
    use(echo->identifier());
    use(echo->sequence());
    FUZZ_CHECK(within(echo->data(), message));
    touch(echo->data());
    const auto n = echo->is_request()
                       ? write_echo_request(g_out, kEnvelope, echo->identifier(), echo->sequence(),
                                            echo->data())
                       : write_echo_reply(g_out, kEnvelope, echo->identifier(), echo->sequence(),
                                          echo->data());
    if (n) {
      const auto ip = Ipv6View::parse(ByteSpan(g_out.data(), *n));
      FUZZ_CHECK(ip.ok());
      const auto back_icmp = parse_icmpv6(*ip, ip->payload());
      FUZZ_CHECK(back_icmp.ok());
      const auto back = EchoView::parse(*back_icmp);
      FUZZ_CHECK(back.ok());
      FUZZ_CHECK(back->is_request() == echo->is_request());
      FUZZ_CHECK(back->identifier() == echo->identifier() && back->sequence() == echo->sequence());
      FUZZ_CHECK(same_bytes(back->data(), echo->data()));
    } else {
      // Only a message too long for one IPv6 payload is refused.
      FUZZ_CHECK(n.error() == Errc::value_out_of_range);
      FUZZ_CHECK(echo->data().size() + icmpv6_echo_header_size > 0xffff);
    }
  } else {
    FUZZ_CHECK(echo.error() == Errc::wrong_icmpv6_type || echo.error() == Errc::truncated_icmpv6);
  }

  int errors = 0;
  if (const auto v = DestinationUnreachableView::parse(icmp)) {
    ++errors;
    touch_error(*v, icmp);
    error_round_trip(icmp, 0, v->invoking_packet());
  }
  if (const auto v = PacketTooBigView::parse(icmp)) {
    ++errors;
    touch_error(*v, icmp);
    use(v->mtu());
    FUZZ_CHECK(v->path_mtu_estimate() >= ipv6_minimum_mtu);
    FUZZ_CHECK(v->path_mtu_estimate() >= v->mtu() || v->mtu() < ipv6_minimum_mtu);
    error_round_trip(icmp, v->mtu(), v->invoking_packet());
  }
  if (const auto v = TimeExceededView::parse(icmp)) {
    ++errors;
    touch_error(*v, icmp);
    error_round_trip(icmp, 0, v->invoking_packet());
  }
  if (const auto v = ParameterProblemView::parse(icmp)) {
    ++errors;
    touch_error(*v, icmp);
    use(v->pointer());
    error_round_trip(icmp, v->pointer(), v->invoking_packet());
  }
  FUZZ_CHECK(errors <= 1);
  if (errors == 1) FUZZ_CHECK(icmp.type() >= 1 && icmp.type() <= 4);
}

void parse_packet(ByteSpan packet, bool fixed) {
  const auto ip = Ipv6View::parse(packet);
  if (!ip) return;
  const auto chain = walk_extension_chain(*ip);
  if (!chain || chain->upper_protocol != ipproto::icmpv6 || chain->later_fragment) return;
  const ByteSpan message = ip->packet().subspan(chain->upper_offset);
  const auto icmp = parse_icmpv6(*ip, message);
  if (!icmp) {
    if (icmp.error() == Errc::bad_icmpv6_checksum && !fixed) {
      std::vector<std::uint8_t> copy = copy_of(packet);
      FUZZ_CHECK(fix_icmpv6_checksum(copy, chain->upper_offset));
      parse_packet(copy, true);
    }
    return;
  }
  FUZZ_CHECK(icmp->checksum_valid(ip->src(), ip->dst()));
  touch_icmp(*icmp, message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  if (const auto icmp = Icmpv6View::parse(input)) {
    touch_icmp(*icmp, input);
  } else {
    FUZZ_CHECK(size < icmpv6_header_size);
  }
  parse_packet(input, false);
  return 0;
}
