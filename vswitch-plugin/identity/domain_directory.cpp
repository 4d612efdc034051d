#include "vswitch-plugin/identity/domain_directory.hpp"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace roam6::vswitch {
namespace {

// Only what a UUID is made of: a name with '/' or ".." never reaches open().
bool plausible_uuid(std::string_view id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isxdigit(c) || c == '-'; });
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Domain XML is a few KiB; anything far larger is not one.
constexpr std::streamsize max_domain_xml = 4 * 1024 * 1024;

}  // namespace

DomainDirectory::Lookup DomainDirectory::find(std::string_view vm_id) const {
  if (!plausible_uuid(vm_id)) return Unreadable{"'" + std::string(vm_id) + "' is not a domain UUID"};
  const std::string file = path_ + "/" + lower(vm_id) + ".xml";
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return Missing{};
    return Unreadable{file + ": " + std::strerror(errno)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.tellp() > max_domain_xml) return Unreadable{file + ": larger than 4 MiB"};
  try {
    return parse_libvirt_domain(text.str());
  } catch (const DomainXmlError& e) {
    return Unreadable{file + ": " + e.what()};
  }
}

void DomainDirectory::store(std::string_view uuid, std::string_view xml) const {
  if (!plausible_uuid(uuid)) throw std::invalid_argument("'" + std::string(uuid) + "' is not a domain UUID");
  if (::mkdir(path_.c_str(), 0755) != 0 && errno != EEXIST)
    throw std::system_error(errno, std::generic_category(), "cannot create " + path_);
  const std::string file = path_ + "/" + lower(uuid) + ".xml";
  // The dot keeps the temporary out of the plugin's sight: it is no <uuid>.xml.
  const std::string temporary = path_ + "/." + lower(uuid) + ".xml." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(xml.data(), static_cast<std::streamsize>(xml.size()));
    out.close();
    if (!out) {
      const int error = errno;
      ::unlink(temporary.c_str());
      throw std::system_error(error, std::generic_category(), "cannot write " + temporary);
    }
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    throw std::system_error(error, std::generic_category(), "cannot rename " + temporary + " to " + file);
  }
}

void DomainDirectory::remove(std::string_view uuid) const {
  if (!plausible_uuid(uuid)) throw std::invalid_argument("'" + std::string(uuid) + "' is not a domain UUID");
  const std::string file = path_ + "/" + lower(uuid) + ".xml";
  if (::unlink(file.c_str()) != 0 && errno != ENOENT)
    throw std::system_error(errno, std::generic_category(), "cannot remove " + file);
}

DomainDirectoryWatch::DomainDirectoryWatch(boost::asio::io_context& io, const std::string& path,
                                           Changed changed)
    : inotify_(io), changed_(std::move(changed)) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    throw std::system_error(errno, std::generic_category(), "cannot create " + path);
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "inotify_init1");
  inotify_.assign(fd);
  if (::inotify_add_watch(fd, path.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) < 0)
    throw std::system_error(errno, std::generic_category(), "cannot watch " + path);
  wait();
}

DomainDirectoryWatch::~DomainDirectoryWatch() { *alive_ = false; }

void DomainDirectoryWatch::wait() {
  inotify_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this, alive = alive_](const boost::system::error_code& error) {
                        if (!*alive || error) return;
                        drain();
                        wait();
                      });
}

void DomainDirectoryWatch::drain() {
  alignas(inotify_event) std::array<char, 16 * 1024> buffer{};
  for (;;) {
    const ssize_t n = ::read(inotify_.native_handle(), buffer.data(), buffer.size());
    if (n <= 0) return;  // EAGAIN: drained
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      inotify_event event{};
      std::memcpy(&event, buffer.data() + at, sizeof event);
      const char* name = buffer.data() + at + sizeof(inotify_event);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
      if (event.len == 0) continue;
      std::string_view file(name, strnlen(name, event.len));
      if (file.size() <= 4 || file.substr(file.size() - 4) != ".xml") continue;
      const auto uuid = file.substr(0, file.size() - 4);
      if (plausible_uuid(uuid)) changed_(lower(uuid));
    }
  }
}

}  // namespace roam6::vswitch
