#pragma once
// roam6-wan's ports and their links, from the command line or the control
// socket. Each port is one site's access link to the WAN: a frame from
// port A to port B waits A's delay plus B's and survives A's loss and B's.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace roam6::wan {

struct LinkSettings {
  double delay_ms = 0;  // one way, each direction
  double loss = 0;      // probability 0..1, each direction
  // A port that is down neither takes nor gives frames (a cable pulled, or
  // a guest's NIC while it is paused for migration); what the switch
  // learnt on it is forgotten when it goes down.
  bool up = true;
};

struct PortSettings {
  std::string interface;
  LinkSettings link;
};

struct WanSettings {
  std::vector<PortSettings> ports;
  std::uint64_t seed = 1;  // the loss pattern is reproducible
  std::size_t queue_limit = 65536;
  std::string control;  // unix datagram socket for `set` and `stats`; empty: none
  bool show_help = false;
  bool show_version = false;
};

// "wan-a,delay=25,loss=0.1" (delay in ms). Throws std::invalid_argument.
PortSettings parse_port(const std::string& text);
// "delay=25,loss=0.1,up=0" applied over `link`. Throws std::invalid_argument.
LinkSettings parse_link(const std::string& text, LinkSettings link);
// Throws std::invalid_argument with a message for a person.
WanSettings parse_wan_command_line(const std::vector<std::string>& arguments);
std::string wan_help_text();

}  // namespace roam6::wan
