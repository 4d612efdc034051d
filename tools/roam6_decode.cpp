// roam6-decode: prints every layer of captured frames that roam6's wire
// library understands, as text or as one JSON object per frame. All parsing
// is roam6_wire's (see packet_decoder.cpp); libpcap only reads the file.

#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hex.hpp"
#include "human_format.hpp"
#include "packet_decoder.hpp"

namespace {

using roam6::tools::FrameInfo;
using roam6::tools::Json;
using roam6::tools::LinkType;

constexpr int exit_ok = 0;
constexpr int exit_input = 1;
constexpr int exit_usage = 2;

constexpr std::string_view help_text = R"(NAME
    roam6-decode - decode Mobile IPv6, ICMPv6/ND and ip6ip6 packets with roam6's wire library

SYNOPSIS
    roam6-decode [--json] FILE.pcap
    roam6-decode [--json] [--ip] --hex HEX
    roam6-decode [--json] [--ip] --hex -
    roam6-decode --help

DESCRIPTION
    Reads frames from a pcap capture (Ethernet, raw IP or IPv6 link types) or
    from hexadecimal text, and prints every layer roam6's wire library
    (roam6_wire) understands:

      Ethernet      addresses, EtherType, 802.1Q VLAN id
      IPv6          every fixed-header field
      extensions    the walked chain: header count, upper protocol and offset,
                    Home Address option, type 2 routing header, fragment,
                    Tunnel Encapsulation Limit, options and routing types that
                    demand an ICMPv6 Parameter Problem
      Mobility      MH type and every field of the eight RFC 6275 messages,
                    every mobility option with its fields, and whether the
                    checksum is valid over the RFC 6275 pseudo-header (home
                    address from a Home Address option, final destination
                    from a type 2 routing header); "checksum_valid" is null
                    when a routing header of another type has segments left,
                    since its final destination (RFC 8200 8.1) is then not
                    known (and RFC 8200 4.4 discards such packets)
      ICMPv6        echo request/reply, the four error messages with a summary
                    of the invoking packet, RS/RA/NS/NA (checked as RFC 4861
                    requires) with every ND option, prefix information included
      ip6ip6        the outer packet and, recursively, the inner one
      UDP, TCP      ports only

    Parsing is the library's alone. When a layer is malformed, its typed
    error is printed (the library's error name and description) and decoding
    goes on with the next frame.

OPTIONS
    --json      One JSON object per frame, one per line, with stable field
                names: "frame", "length", "ethernet", "ipv6", "extensions",
                "upper", then "mobility", "icmpv6", "tunnel", "udp" or "tcp",
                and "errors" (a list of {"layer", "error", "description"}).
    --hex HEX   Decode one frame given as hexadecimal digits (spaces, ':'
                and '-' are ignored). With "-", read one frame per line from
                standard input.
    --ip        The hex input starts at the IPv6 header rather than at an
                Ethernet header.
    -h, --help  Print this text.

EXIT STATUS
    0   every frame was read (malformed packets included: they are decoded
        as far as they go, with their errors);
    1   the capture or hex input could not be read;
    2   wrong usage.

EXAMPLES
    roam6-decode build/demo/bu-ba-exchange.pcap
    roam6-decode --json capture.pcap | jq .mobility
    roam6-decode --ip --hex 6000000000083b40...
)";

struct Options {
  bool json = false;
  bool ip = false;
  std::optional<std::string> hex;
  std::optional<std::string> file;
};

void usage_error(std::string_view message) {
  std::cerr << "roam6-decode: " << message << "\nusage: roam6-decode [--json] FILE.pcap | "
            << "roam6-decode [--json] [--ip] --hex HEX|- (see --help)\n";
}

void emit(const Json& frame, bool json) {
  if (json) {
    std::cout << frame.dump() << '\n';
  } else {
    std::cout << roam6::tools::render_human(frame) << '\n';
  }
}

int decode_hex_frame(std::string_view text, std::uint64_t number, const Options& opt) {
  const auto bytes = roam6::tools::from_hex(text);
  if (!bytes) {
    std::cerr << "roam6-decode: frame " << number << ": not hexadecimal bytes\n";
    return exit_input;
  }
  FrameInfo info;
  info.number = number;
  emit(roam6::tools::decode_frame(*bytes, opt.ip ? LinkType::ipv6 : LinkType::ethernet, info),
       opt.json);
  return exit_ok;
}

int decode_hex(const Options& opt) {
  if (*opt.hex != "-") return decode_hex_frame(*opt.hex, 1, opt);
  std::string line;
  std::uint64_t number = 0;
  int status = exit_ok;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (decode_hex_frame(line, ++number, opt) != exit_ok) status = exit_input;
  }
  return status;
}

std::optional<LinkType> link_type_of(int dlt) {
  switch (dlt) {
    case DLT_EN10MB: return LinkType::ethernet;
    case DLT_RAW:
    case DLT_IPV6: return LinkType::ipv6;
    default: return std::nullopt;
  }
}

int decode_pcap(const Options& opt) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_open_offline(opt.file->c_str(), errbuf);
  if (pcap == nullptr) {
    std::cerr << "roam6-decode: " << *opt.file << ": " << errbuf << '\n';
    return exit_input;
  }
  const auto link = link_type_of(pcap_datalink(pcap));
  if (!link) {
    std::cerr << "roam6-decode: " << *opt.file << ": unsupported link type "
              << pcap_datalink_val_to_name(pcap_datalink(pcap)) << " ("
              << pcap_datalink(pcap) << "); Ethernet, raw IP and IPv6 are supported\n";
    pcap_close(pcap);
    return exit_input;
  }
  int status = exit_ok;
  std::uint64_t number = 0;
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const std::uint8_t* data = nullptr;
    const int rc = pcap_next_ex(pcap, &header, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    if (rc != 1) {
      std::cerr << "roam6-decode: " << *opt.file << ": " << pcap_geterr(pcap) << '\n';
      status = exit_input;
      break;
    }
    FrameInfo info;
    info.number = ++number;
    char ts[48];
    std::snprintf(ts, sizeof ts, "%lld.%06lld", static_cast<long long>(header->ts.tv_sec),
                  static_cast<long long>(header->ts.tv_usec));
    info.timestamp = ts;
    if (header->len != header->caplen) info.original_length = header->len;
    emit(roam6::tools::decode_frame({data, header->caplen}, *link, info), opt.json);
  }
  pcap_close(pcap);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << help_text;
      return exit_ok;
    }
    if (a == "--json") {
      opt.json = true;
    } else if (a == "--ip") {
      opt.ip = true;
    } else if (a == "--hex") {
      if (i + 1 >= args.size()) {
        usage_error("--hex needs an argument");
        return exit_usage;
      }
      opt.hex = std::string(args[++i]);
    } else if (a.size() > 1 && a[0] == '-') {
      usage_error("unknown option " + std::string(a));
      return exit_usage;
    } else if (opt.file) {
      usage_error("one capture file at a time");
      return exit_usage;
    } else {
      opt.file = std::string(a);
    }
  }
  if (opt.hex.has_value() == opt.file.has_value()) {
    usage_error(opt.hex ? "give a capture file or --hex, not both" : "nothing to decode");
    return exit_usage;
  }
  if (opt.ip && !opt.hex) {
    usage_error("--ip applies to --hex input (a capture says its own link type)");
    return exit_usage;
  }
  const int status = opt.hex ? decode_hex(opt) : decode_pcap(opt);
  std::cout.flush();
  return status;
}
