#include "vswitch-plugin/openflow/ofctl_runner.hpp"

#include <signal.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/args.hpp>
#include <boost/process/async.hpp>
#include <boost/process/async_pipe.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/io.hpp>
#include <boost/process/search_path.hpp>

#include <array>
#include <csignal>

#include "vswitch-plugin/openflow/steering_plan.hpp"

namespace roam6::vswitch {

namespace bp = boost::process;
using mip6d::LogLevel;
using mip6d::LogRecord;

std::string_view to_string(ChannelStatus status) noexcept {
  switch (status) {
    case ChannelStatus::ok: return "ok";
    case ChannelStatus::failed: return "failed";
    case ChannelStatus::superseded: return "superseded";
    case ChannelStatus::cancelled: return "cancelled";
  }
  return "?";
}

namespace {

std::string first_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto nl = text.find('\n');
  if (nl != std::string::npos) text = text.substr(0, nl) + " (...)";
  return text;
}

}  // namespace

// One ovs-ofctl child: its pipes, its output and its deadline. Shared with
// the asynchronous handlers, which may outlive the runner (owner is then
// null and they only let the child die).
struct OfctlRunner::Child : std::enable_shared_from_this<OfctlRunner::Child> {
  Child(boost::asio::io_context& io, OfctlRunner* runner, Request req)
      : owner(runner), request(std::move(req)), in(io), out(io), err(io), timer(io) {}

  OfctlRunner* owner;
  Request request;
  bp::async_pipe in;
  bp::async_pipe out;
  bp::async_pipe err;
  boost::asio::steady_timer timer;
  bp::child process;
  std::string input;
  std::string stdout_text;
  std::string stderr_text;
  std::array<char, 4096> out_chunk{};
  std::array<char, 4096> err_chunk{};
  bool out_done = false;
  bool err_done = false;
  bool exited = false;
  bool timed_out = false;
  int exit_code = -1;
  std::chrono::milliseconds timeout{};

  void read_out() {
    out.async_read_some(boost::asio::buffer(out_chunk), [self = shared_from_this()](auto ec, std::size_t n) {
      self->stdout_text.append(self->out_chunk.data(), n);
      if (ec) {
        self->out_done = true;
        self->maybe_finish();
      } else {
        self->read_out();
      }
    });
  }
  void read_err() {
    err.async_read_some(boost::asio::buffer(err_chunk), [self = shared_from_this()](auto ec, std::size_t n) {
      self->stderr_text.append(self->err_chunk.data(), n);
      if (ec) {
        self->err_done = true;
        self->maybe_finish();
      } else {
        self->read_err();
      }
    });
  }
  void kill() {
    if (!exited && process.valid()) ::kill(process.id(), SIGKILL);
  }
  void maybe_finish() {
    // All three: the exit status alone may arrive before the last output.
    if (!(out_done && err_done && exited)) return;
    timer.cancel();
    if (owner != nullptr) {
      OfctlRunner* runner = owner;
      owner = nullptr;
      runner->finish(*this);
    }
  }
};

OfctlRunner::OfctlRunner(boost::asio::io_context& io, const mip6d::Logger& log, OfctlOptions options)
    : io_(io), log_(log), options_(std::move(options)) {
  // A child that dies before reading its stdin would otherwise kill us with
  // SIGPIPE on the next write; mip6d's main does the same.
  std::signal(SIGPIPE, SIG_IGN);
}

OfctlRunner::~OfctlRunner() {
  if (running_) {
    running_->owner = nullptr;
    running_->kill();
    running_->timer.cancel();
  }
}

std::string OfctlRunner::bundle_input(std::uint64_t cookie, const std::vector<std::string>& flows) {
  std::string input = "delete cookie=" + cookie_text(cookie) + "/-1\n";
  for (const auto& flow : flows) input += "add " + flow + "\n";
  return input;
}

std::string OfctlRunner::update_input(std::uint64_t cookie, const std::vector<std::string>& remove,
                                      const std::vector<std::string>& add) {
  // A spec is "cookie=C,...,actions=A": a strict delete names the flow by
  // its match and priority (the cookie masked, so only ours), not actions.
  const std::string ours = "cookie=" + cookie_text(cookie);
  std::string input;
  for (const auto& flow : remove) {
    std::string match = flow.substr(0, flow.rfind(",actions="));
    if (match.rfind(ours, 0) == 0) match.insert(ours.size(), "/-1");
    input += "delete_strict " + match + "\n";
  }
  for (const auto& flow : add) input += "add " + flow + "\n";
  return input;
}

void OfctlRunner::update(std::uint64_t cookie, std::vector<std::string> remove, std::vector<std::string> add,
                         InstallDone done) {
  Request request{Request::Kind::update, cookie, std::move(add), std::move(remove), std::move(done), {}};
  queue_.push_back(std::move(request));
  start_next();
}

void OfctlRunner::install(std::uint64_t cookie, std::vector<std::string> flows, InstallDone done) {
  // The last queued change, if it is an install: only the newest wanted
  // plan matters, so that one never runs. (Never one behind an update: the
  // update would then apply to the newer plan.)
  for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
    auto& queued = *it;
    if (queued.kind == Request::Kind::dump) continue;
    if (queued.kind == Request::Kind::update) break;
    ++stats_.superseded;
    boost::asio::post(io_, [old = std::move(queued.install_done)] {
      if (old) old(ChannelStatus::superseded, "superseded by a newer install");
    });
    queued.cookie = cookie;
    queued.flows = std::move(flows);
    queued.install_done = std::move(done);
    return;
  }
  queue_.push_back(Request{Request::Kind::install, cookie, std::move(flows), {}, std::move(done), {}});
  start_next();
}

void OfctlRunner::dump(std::uint64_t cookie, DumpDone done) {
  for (auto& queued : queue_) {
    if (queued.kind == Request::Kind::dump && queued.cookie == cookie) {
      queued.dump_done.push_back(std::move(done));
      return;
    }
  }
  Request request{Request::Kind::dump, cookie, {}, {}, {}, {}};
  request.dump_done.push_back(std::move(done));
  queue_.push_back(std::move(request));
  start_next();
}

std::chrono::milliseconds OfctlRunner::timeout_for(const Request& request) const {
  // A bundle's time grows with its flows: a fixed limit that a whole plan
  // of a thousand ports outgrows on a busy switch would fail it again at
  // every retry, and the bridge would never be steered.
  const auto flows = request.flows.size() + request.remove.size();
  return options_.timeout + options_.timeout_per_flow * static_cast<long>(flows);
}

void OfctlRunner::start_next() {
  if (running_ || queue_.empty()) return;
  auto child = std::make_shared<Child>(io_, this, std::move(queue_.front()));
  queue_.pop_front();

  std::string exe = options_.ofctl_path;
  if (exe.empty()) exe = bp::search_path("ovs-ofctl").string();
  std::vector<std::string> args{"-O", "OpenFlow13", "--no-names"};
  if (child->request.kind == Request::Kind::install) {
    args.insert(args.end(), {"--bundle", "add-flows", options_.target, "-"});
    child->input = bundle_input(child->request.cookie, child->request.flows);
  } else if (child->request.kind == Request::Kind::update) {
    args.insert(args.end(), {"--bundle", "add-flows", options_.target, "-"});
    child->input = update_input(child->request.cookie, child->request.remove, child->request.flows);
  } else {
    args.insert(args.end(), {"dump-flows", options_.target, "cookie=" + cookie_text(child->request.cookie) + "/-1"});
  }

  ++stats_.runs;
  std::error_code spawn_error;
  if (exe.empty()) {
    spawn_error = std::make_error_code(std::errc::no_such_file_or_directory);
  } else {
    std::weak_ptr<Child> weak = child;
    child->process = bp::child(
        bp::exe = exe, bp::args = args,  //
        bp::std_in < child->in, bp::std_out > child->out, bp::std_err > child->err, io_,
        bp::on_exit([weak, &io = io_](int code, const std::error_code&) {
          // Never act inside the handler: Boost.Process 1.74 calls it while
          // iterating its list of children, and starting the next child
          // from here would append to that list (heap corruption seen in
          // tests). Posted, it runs after the iteration.
          boost::asio::post(io, [weak, code] {
            if (auto self = weak.lock()) {
              self->exited = true;
              self->exit_code = code;
              self->maybe_finish();
            }
          });
        }),
        spawn_error);
  }
  if (spawn_error) {
    Request request = std::move(child->request);
    ++stats_.failures;
    LogRecord(log_, LogLevel::warning, "ofctl_spawn_failed")
        .kv("path", exe.empty() ? std::string("ovs-ofctl (not in PATH)") : exe)
        .kv("error", spawn_error.message());
    complete(request, ChannelStatus::failed, "cannot run ovs-ofctl: " + spawn_error.message(), {});
    boost::asio::post(io_, [this] { start_next(); });
    return;
  }
  running_ = child;

  child->read_out();
  child->read_err();
  if (child->input.empty()) {
    child->in.close();
  } else {
    boost::asio::async_write(child->in, boost::asio::buffer(child->input), [child](auto, std::size_t) {
      // An error here (the child died early) shows in its exit status.
      boost::system::error_code ignored;
      child->in.close(ignored);
    });
  }
  child->timeout = timeout_for(child->request);
  child->timer.expires_after(child->timeout);
  child->timer.async_wait([weak = std::weak_ptr<Child>(child)](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->exited) return;
    self->timed_out = true;
    self->kill();
  });
}

void OfctlRunner::finish(Child& child) {
  running_.reset();  // `child` stays alive: the caller's handler holds it
  Request request = std::move(child.request);
  if (child.timed_out) {
    ++stats_.failures;
    ++stats_.timeouts;
    LogRecord(log_, LogLevel::warning, "ofctl_timeout")
        .kv("target", options_.target)
        .kv("timeout_ms", child.timeout.count());
    complete(request, ChannelStatus::failed,
             "ovs-ofctl timed out after " + std::to_string(child.timeout.count()) + " ms (killed)", {});
  } else if (child.exit_code != 0) {
    ++stats_.failures;
    std::string error = first_line(child.stderr_text);
    if (error.empty()) error = "ovs-ofctl exited with status " + std::to_string(child.exit_code);
    LogRecord(log_, LogLevel::warning, "ofctl_failed")
        .kv("target", options_.target)
        .kv("status", child.exit_code)
        .kv("error", error);
    complete(request, ChannelStatus::failed, error, {});
  } else if (request.kind == Request::Kind::dump) {
    auto parsed = parse_dump_flows(child.stdout_text);
    for (const auto& line : parsed.unparsed) {
      LogRecord(log_, LogLevel::warning, "ofctl_dump_line_skipped").kv("line", line);
    }
    complete(request, ChannelStatus::ok, "", parsed.flows);
  } else {
    complete(request, ChannelStatus::ok, "", {});
  }
  start_next();
}

void OfctlRunner::complete(Request& request, ChannelStatus status, const std::string& error,
                           const std::vector<FlowRecord>& flows) {
  if (request.kind != Request::Kind::dump) {
    if (request.install_done) request.install_done(status, error);
  } else {
    for (auto& done : request.dump_done) {
      if (done) done(status, flows, error);
    }
  }
}

}  // namespace roam6::vswitch
