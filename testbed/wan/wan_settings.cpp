#include "testbed/wan/wan_settings.hpp"

#include <charconv>
#include <stdexcept>

namespace roam6::wan {
namespace {

double number(const std::string& key, const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size())
    throw std::invalid_argument(key + " must be a number, not '" + text + "'");
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + 1)
    out.push_back(text.substr(start, at - start));
  out.push_back(text.substr(start));
  return out;
}

}  // namespace

LinkSettings parse_link(const std::string& text, LinkSettings link) {
  for (const std::string& item : split(text, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("'" + item + "' is not key=value");
    const std::string key = item.substr(0, eq);
    const double value = number(key, item.substr(eq + 1));
    if (key == "delay") {
      if (value < 0 || value > 10000) throw std::invalid_argument("delay must be 0 to 10000 ms");
      link.delay_ms = value;
    } else if (key == "loss") {
      if (value < 0 || value > 1) throw std::invalid_argument("loss must be 0 to 1");
      link.loss = value;
    } else if (key == "up") {
      if (value != 0 && value != 1) throw std::invalid_argument("up must be 0 or 1");
      link.up = value == 1;
    } else {
      throw std::invalid_argument("unknown link setting '" + key + "' (delay, loss, up)");
    }
  }
  return link;
}

PortSettings parse_port(const std::string& text) {
  const auto comma = text.find(',');
  PortSettings port;
  port.interface = text.substr(0, comma);
  if (port.interface.empty() || port.interface.size() > 15 || port.interface.find('/') != std::string::npos)
    throw std::invalid_argument("'" + port.interface + "' is not an interface name");
  if (comma != std::string::npos) port.link = parse_link(text.substr(comma + 1), {});
  return port;
}

WanSettings parse_wan_command_line(const std::vector<std::string>& arguments) {
  WanSettings s;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& name = arguments[i];
    if (name == "--help" || name == "-h") {
      s.show_help = true;
      return s;
    }
    if (name == "--version" || name == "-V") {
      s.show_version = true;
      return s;
    }
    if (i + 1 >= arguments.size()) throw std::invalid_argument(name + ": a value is missing, or unknown argument");
    const std::string& value = arguments[++i];
    if (name == "--port") {
      s.ports.push_back(parse_port(value));
    } else if (name == "--seed") {
      s.seed = static_cast<std::uint64_t>(number(name, value));
    } else if (name == "--queue-limit") {
      const double limit = number(name, value);
      if (limit < 1 || limit > 1e7) throw std::invalid_argument("--queue-limit must be 1 to 10000000");
      s.queue_limit = static_cast<std::size_t>(limit);
    } else if (name == "--control") {
      s.control = value;
    } else {
      throw std::invalid_argument("unknown argument '" + name + "'");
    }
  }
  if (s.ports.size() < 2) throw std::invalid_argument("give at least two --port");
  for (std::size_t i = 0; i < s.ports.size(); ++i)
    for (std::size_t j = i + 1; j < s.ports.size(); ++j)
      if (s.ports[i].interface == s.ports[j].interface)
        throw std::invalid_argument("port " + s.ports[i].interface + " is given twice");
  return s;
}

std::string wan_help_text() {
  return R"(Usage: roam6-wan --port IF[,delay=MS][,loss=P] --port IF[,...] ... [--seed N]
                 [--queue-limit N] [--control PATH]

The testbed's wide-area network: an Ethernet learning switch among the
sites' routers, where each port is one site's access link with a one-way
delay and a loss probability, both applied in each direction. A frame from
site A to site B waits A's delay plus B's, and is lost with A's loss and with
B's. Userspace (AF_PACKET), so it runs where netem does not; delays are kept
to well under a millisecond at probe rates.

  --port IF,delay=MS,loss=P[,up=0]
                             a port on interface IF (repeat; at least two);
                             up=0: it starts down (takes and gives nothing)
  --seed N                   the loss pattern's seed (default 1: reproducible)
  --queue-limit N            frames in flight at most (default 65536); more
                             are dropped and counted
  --control PATH             a unix datagram socket taking, one per datagram:
                               set IF delay=MS,loss=P,up=0|1
                                                        change a link now
                               stats                    answer with counters (JSON)

At SIGTERM or SIGINT it prints its counters (JSON) on standard error and
exits 0; 1 when a port cannot be opened; 2 for a usage error.
)";
}

}  // namespace roam6::wan
