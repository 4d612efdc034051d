#pragma once
// The libvirt domains the migration hooks have seen on this host: one file
// per domain, `<dir>/<uuid>.xml`, the domain XML exactly as libvirt handed it
// to the hook. The hook writes it before libvirt creates the domain's OVS
// ports (`prepare begin` / `start begin`), and removes it when the domain
// is released here, so the plugin can name and place a port's guest the
// moment the port appears, without calling back into libvirt.
//
// The watch tells the plugin when a file appears or changes after its port
// (inotify), so a port seen first is identified as soon as its domain is.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "vswitch-plugin/identity/libvirt_domain.hpp"

namespace roam6::vswitch {

class DomainDirectory {
 public:
  explicit DomainDirectory(std::string path) : path_(std::move(path)) {}

  struct Missing {};
  struct Unreadable {
    std::string reason;  // the file exists but does not parse, or cannot be read
  };
  using Lookup = std::variant<LibvirtDomain, Missing, Unreadable>;

  // The domain whose UUID is `vm_id` (case-insensitive). A vm_id that could
  // name a file outside the directory is Unreadable, never opened.
  [[nodiscard]] Lookup find(std::string_view vm_id) const;
  // The hook's side. `store` writes the XML whole or not at all (a temporary
  // file renamed into place, so the plugin's watch never reads half a
  // domain) and creates the directory if needed; `remove` forgets a domain,
  // and a domain never stored is no error. Both throw std::system_error,
  // and std::invalid_argument for a UUID that could name another file.
  void store(std::string_view uuid, std::string_view xml) const;
  void remove(std::string_view uuid) const;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

// Calls `changed(uuid)` for each `<uuid>.xml` written (closed after
// writing, or moved in) or removed in the directory. Creates the directory
// if it is missing.
class DomainDirectoryWatch {
 public:
  using Changed = std::function<void(const std::string& uuid)>;
  // Throws std::system_error when inotify cannot watch the directory.
  DomainDirectoryWatch(boost::asio::io_context& io, const std::string& path, Changed changed);
  ~DomainDirectoryWatch();
  DomainDirectoryWatch(const DomainDirectoryWatch&) = delete;
  DomainDirectoryWatch& operator=(const DomainDirectoryWatch&) = delete;

 private:
  void wait();
  void drain();

  boost::asio::posix::stream_descriptor inotify_;
  Changed changed_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace roam6::vswitch
