#include "mip6d/io/control_plane_filter.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/ipv6.hpp"

namespace roam6::mip6d {

namespace {

constexpr std::uint32_t ethertype_offset = 12;
// Next Header is byte 6 of the IPv6 header.
constexpr std::uint32_t next_header_offset = wire::ethernet_header_size + 6;
// The inner header's Next Header when the outer one is followed directly by
// the tunnelled packet.
constexpr std::uint32_t inner_next_header_offset = next_header_offset + wire::ipv6_header_size;

constexpr std::array<std::uint8_t, 6> accepted_next_headers = {
    wire::ipproto::mobility, wire::ipproto::icmpv6,   wire::ipproto::hop_by_hop,
    wire::ipproto::routing,  wire::ipproto::fragment, wire::ipproto::destination_options,
};
constexpr std::array<std::uint8_t, 5> accepted_inner_next_headers = {
    wire::ipproto::mobility, wire::ipproto::hop_by_hop, wire::ipproto::routing,
    wire::ipproto::fragment, wire::ipproto::destination_options,
};

// BPF jump offsets count instructions after the jump itself.
std::uint8_t jump(std::size_t from, std::size_t to) {
  return static_cast<std::uint8_t>(to - from - 1);
}

}  // namespace

std::vector<sock_filter> control_plane_filter() {
  // Layout: load EtherType, test RARP, test IPv6, load next header, one test
  // per accepted next header, test IPv6-in-IPv6, load the inner next header,
  // one test per accepted inner one, then "reject" and "accept".
  constexpr std::size_t first_next_header_test = 4;
  constexpr std::size_t tunnel_test = first_next_header_test + accepted_next_headers.size();
  constexpr std::size_t first_inner_test = tunnel_test + 2;
  constexpr std::size_t reject = first_inner_test + accepted_inner_next_headers.size();
  constexpr std::size_t accept = reject + 1;
  static_assert(accept < 255, "jump offsets must fit in 8 bits");

  std::vector<sock_filter> program;
  program.reserve(accept + 1);
  program.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, ethertype_offset));
  program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, wire::ethertype::rarp, jump(1, accept), 0));
  program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, wire::ethertype::ipv6, 0, jump(2, reject)));
  program.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, next_header_offset));
  for (const std::uint8_t next_header : accepted_next_headers) {
    const std::size_t here = program.size();
    program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, next_header, jump(here, accept), 0));
  }
  program.push_back(
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, wire::ipproto::ipv6, 0, jump(tunnel_test, reject)));
  program.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, inner_next_header_offset));
  for (const std::uint8_t next_header : accepted_inner_next_headers) {
    const std::size_t here = program.size();
    program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, next_header, jump(here, accept), 0));
  }
  program.push_back(BPF_STMT(BPF_RET | BPF_K, 0));            // reject: keep no bytes
  program.push_back(BPF_STMT(BPF_RET | BPF_K, 0xffffffffu));  // accept: keep the whole frame
  return program;
}

}  // namespace roam6::mip6d
