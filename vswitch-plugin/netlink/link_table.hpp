#pragma once
// The links of one network namespace as the plugin last heard of them, and
// what changed. Fed with parsed rtnetlink messages (link_message.hpp) in the
// order the socket delivered them; answers with LinkChange events for the
// watched links only.
//
// Watching by name: the table keeps every link (so that a rename INTO the
// watched names is an `appeared`, and a rename out of them a `vanished`), but
// reports only those whose current name is watched. No names: all links.
//
// Resynchronising after lost notifications (ENOBUFS) or at start: the caller
// brackets a full RTM_GETLINK dump with begin_resync() / end_resync(). Dump
// entries and notifications are applied alike, in socket order, which is the
// kernel's order: a link changed after its dump entry was written gets a
// notification after it. At the end, a known link that neither the dump nor
// any notification during the dump mentioned is gone: `vanished`.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vswitch-plugin/netlink/link_info.hpp"
#include "vswitch-plugin/netlink/link_message.hpp"

namespace roam6::vswitch {

class LinkTable {
 public:
  explicit LinkTable(std::vector<std::string> watched_names = {});

  // The change the message makes to the watched links, if any. A
  // RTM_NEWLINK that alters none of LinkInfo's fields is no change.
  std::optional<LinkChange> apply(const LinkMessage& message);

  void begin_resync();
  // The links not heard of since begin_resync(), now vanished (watched ones
  // only). Does nothing outside a resync.
  std::vector<LinkChange> end_resync();
  [[nodiscard]] bool resyncing() const noexcept { return resyncing_; }

  [[nodiscard]] bool watched(std::string_view name) const;
  // Watched links, by ifindex.
  [[nodiscard]] std::vector<LinkInfo> links() const;
  [[nodiscard]] std::optional<LinkInfo> find(std::string_view name) const;
  [[nodiscard]] std::optional<LinkInfo> find(std::uint32_t ifindex) const;

 private:
  std::optional<LinkChange> update(LinkInfo link);
  std::optional<LinkChange> remove(std::uint32_t ifindex);

  std::set<std::string, std::less<>> watched_names_;
  std::map<std::uint32_t, LinkInfo> links_;  // every link, watched or not
  bool resyncing_ = false;
  std::set<std::uint32_t> heard_during_resync_;
};

}  // namespace roam6::vswitch
