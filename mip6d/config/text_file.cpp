#include "mip6d/config/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace roam6::mip6d::config_internal {
namespace {

std::string errno_text(int error) { return std::generic_category().message(error); }

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::optional<std::string> read_text_file(const std::filesystem::path& path, std::size_t max_bytes,
                                          std::string& problem, unsigned* mode) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    problem = errno_text(errno);
    return std::nullopt;
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    problem = errno_text(errno);
    return std::nullopt;
  }
  if (!S_ISREG(info.st_mode)) {
    problem = "not a regular file";
    return std::nullopt;
  }
  if (mode != nullptr) *mode = static_cast<unsigned>(info.st_mode & 07777);
  std::string content;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      problem = errno_text(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    // Checked before appending so an endless file (a pipe that slipped past
    // fstat, a growing log) cannot make us allocate without bound.
    if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
      problem = "larger than " + std::to_string(max_bytes) + " bytes";
      return std::nullopt;
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  return content;
}

}  // namespace roam6::mip6d::config_internal
