#pragma once
// Log lines leave in one write per turn of the event loop instead of one per
// line. A busy turn logs thousands of lines (a thousand guests resuming at
// one host), and each line written on its own is a system call the control
// thread pays for while Binding Updates wait: in a profile of such a turn,
// log lines and their writes were a tenth of the control thread's time.
//
// Warnings and errors go out at once, after everything logged before them,
// so the lines that explain a failure are never the ones left waiting; so
// does a batch past its size limit. The destructor writes what is left. What
// is still buffered when the process dies by a signal (the info and debug
// lines of its last turn) is lost.
//
// One thread (the event loop's) logs; the writer takes no lock.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "mip6d/runtime/log.hpp"

namespace roam6::mip6d {

class BatchedLogWriter {
 public:
  // Runs a function later on the event loop (boost::asio::post).
  using Post = std::function<void(std::function<void()>)>;
  // Writes all of a batch (stderr by default).
  using Output = std::function<void(std::string_view)>;

  explicit BatchedLogWriter(Post post, Output output = {}, std::size_t limit = 64 * 1024);
  ~BatchedLogWriter();
  BatchedLogWriter(const BatchedLogWriter&) = delete;
  BatchedLogWriter& operator=(const BatchedLogWriter&) = delete;

  // "<priority>line\n", as Logger's own stderr sink writes it.
  void write(LogLevel level, std::string_view line);
  void flush();
  // A sink for Logger that writes through this writer (which must outlive it).
  [[nodiscard]] Logger::Sink sink();

 private:
  Post post_;
  Output output_;
  std::size_t limit_;
  std::string batch_;
  bool flush_posted_ = false;
};

}  // namespace roam6::mip6d
