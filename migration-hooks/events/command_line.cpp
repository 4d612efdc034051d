#include "migration-hooks/events/command_line.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string_view>

namespace roam6::hooks {
namespace {

EventsCommandLine with_action(EventsCommandLine::Action action, std::string error = {}) {
  EventsCommandLine line;
  line.action = action;
  line.error = std::move(error);
  return line;
}

}  // namespace

EventsCommandLine parse_events_command_line(const std::vector<std::string>& arguments) {
  EventsCommandLine line;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    std::string name = arguments[i];
    if (name == "--help" || name == "-h") return with_action(EventsCommandLine::Action::show_help);
    if (name == "--version" || name == "-V") return with_action(EventsCommandLine::Action::show_version);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); name.starts_with("--") && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    static constexpr std::string_view known[] = {"--connect", "--mip6d-socket", "--domains", "--budget-ms",
                                                  "--publish-ms", "--log-level"};
    if (std::find(std::begin(known), std::end(known), name) == std::end(known))
      return with_action(EventsCommandLine::Action::usage_error, "unknown argument '" + name + "'");
    if (!value) {
      if (i + 1 >= arguments.size()) return with_action(EventsCommandLine::Action::usage_error, name + " needs a value");
      value = arguments[++i];
    }
    if (value->empty()) return with_action(EventsCommandLine::Action::usage_error, name + " needs a value");
    if (name == "--connect") {
      line.settings.uri = *value;
    } else if (name == "--mip6d-socket") {
      line.settings.mip6d_socket = *value;
    } else if (name == "--domains") {
      line.settings.domains = *value;
    } else if (name == "--budget-ms") {
      unsigned ms = 0;
      const auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), ms);
      if (error != std::errc{} || end != value->data() + value->size() || ms == 0 || ms > 10000)
        return with_action(EventsCommandLine::Action::usage_error,
                           "--budget-ms must be 1 to 10000, not '" + *value + "'");
      line.settings.budget = std::chrono::milliseconds(ms);
    } else if (name == "--publish-ms") {
      unsigned ms = 0;
      const auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), ms);
      if (error != std::errc{} || end != value->data() + value->size() || ms > 3600000)
        return with_action(EventsCommandLine::Action::usage_error,
                           "--publish-ms must be 0 to 3600000, not '" + *value + "'");
      line.settings.publish_interval = std::chrono::milliseconds(ms);
    } else if (name == "--log-level") {
      const auto level = mip6d::parse_log_level(*value);
      if (!level)
        return with_action(EventsCommandLine::Action::usage_error,
                           "--log-level must be error, warning, info or debug, not '" + *value + "'");
      line.log_level = *level;
    }
  }
  return line;
}

std::string events_help_text() {
  return R"(Usage: roam6-libvirt-events [OPTIONS]

Watches libvirt's domain lifecycle events and tells mip6d the moment a roam6
guest resumes on this host, or leaves it:

  resumed (any), started (booted, restored, ...)   guest.resume, timestamped
  migration pass 1 (outgoing, source host)         guest.migrating
  suspended/migrated, suspended/post-copy          guest.pause, with QEMU's
                                                   STOP time when it has one
  stopped/migrated                                 guest.detach mode=moved
  stopped (shut down, destroyed, crashed, saved)   guest.detach mode=stopped

A resume is known here at once, where QEMU's own announce (RARP, the guest's
unsolicited NA) comes ~50 ms later; the datapath's frame-based detection
stays as the fallback. Guests are roam6's when their domain XML holds roam6's
<roam6:guest> element: read from the copies roam6-libvirt-hook keeps (no
libvirt round trip when a guest resumes), else asked of libvirt. Runs in the
foreground; logs to standard error. A lost libvirt connection is reopened.

It also keeps each running roam6 guest's last Binding Update sequence number
in its domain's live metadata (<roam6:interface ... sequence="N"/>): the XML
travels with a migration, and the destination's roam6-libvirt-hook hands the
number to mip6d, whose first BU there is then accepted at once.

Options:
  --connect URI        libvirt URI (default qemu:///system)
  --mip6d-socket PATH  mip6d's control socket (default /run/roam6/mip6d.sock)
  --domains DIR        the hook's domain XML copies (default /run/roam6/domains)
  --budget-ms N        time for one event's requests to mip6d (default 200)
  --publish-ms N       how often the guests' sequence numbers are written
                       into their domains' metadata (default 1000; 0: never)
  --log-level LEVEL    error, warning, info (default) or debug
  -h, --help           this text
  -V, --version        the version

Exit status: 0 after SIGTERM or SIGINT; 1 when libvirt cannot be reached at
start; 2 for a usage error. See docs/migration.md.
)";
}

}  // namespace roam6::hooks
