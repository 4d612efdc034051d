#include "mip6d/daemon/metrics_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <system_error>

#include <boost/asio/post.hpp>
#include <civetweb.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

namespace roam6::mip6d::daemon {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily single_gauge(std::string name, std::string help,
                          std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric sample;
  sample.label = std::move(labels);
  sample.gauge.value = value;
  return MetricFamily{std::move(name), std::move(help), MetricType::Gauge, {std::move(sample)}};
}

// "[::1]:9464" / "127.0.0.1:9464" -> a socket address (validated by the
// config loader; checked again here since tests pass their own).
struct ListenAddress {
  sockaddr_storage address{};
  socklen_t length = 0;
};

ListenAddress parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw MetricsListenerError(listen + ": no port");
  std::string host = listen.substr(0, colon);
  const int port = std::stoi(listen.substr(colon + 1));
  ListenAddress out;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.address);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6->sin6_addr) != 1)
      throw MetricsListenerError(listen + ": not an IPv6 address");
    out.length = sizeof(sockaddr_in6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.address);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1)
      throw MetricsListenerError(listen + ": not an IPv4 address");
    out.length = sizeof(sockaddr_in);
  }
  return out;
}

// civetweb reports a failed bind only as "null context when constructing
// CivetServer"; binding once ourselves first (as civetweb will: with
// SO_REUSEADDR) finds the reason an operator can act on.
void check_can_listen(const std::string& listen) {
  const ListenAddress address = parse_listen(listen);
  // mg_check_feature(8): IPv6 support. Debian 12's civetweb 1.15 is built
  // without it, so an IPv6 address cannot be served, whatever the socket
  // says.
  constexpr unsigned civetweb_ipv6 = 8;
  if (address.address.ss_family == AF_INET6 && mg_check_feature(civetweb_ipv6) == 0) {
    throw MetricsListenerError(
        listen + ": the HTTP server under prometheus-cpp (civetweb " + mg_version() +
        ") was built without IPv6; listen on an IPv4 address, e.g. 127.0.0.1:9464");
  }
  const int fd = ::socket(address.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw MetricsListenerError(listen + ": socket: " + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (address.address.ss_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  int error = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address.address), address.length) != 0 ||
      ::listen(fd, 1) != 0) {
    error = errno;
  }
  ::close(fd);
  if (error != 0) throw MetricsListenerError(listen + ": " + std::strerror(error));
}

}  // namespace

class MetricsListener::LoopCollectable final : public prometheus::Collectable {
 public:
  LoopCollectable(boost::asio::io_context& io, Snapshot snapshot, InfoLabels info,
                  std::chrono::milliseconds timeout)
      : io_(io), snapshot_(std::move(snapshot)), timeout_(timeout), shared_(std::make_shared<Shared>()) {
    for (auto& [name, value] : info) info_.push_back({std::move(name), std::move(value)});
    std::sort(info_.begin(), info_.end());
  }

  // On an HTTP thread.
  std::vector<MetricFamily> Collect() const override {
    auto answer = std::make_shared<Answer>();
    {
      std::lock_guard lock(shared_->mutex);
      if (shared_->closed) return down();
    }
    // The loop builds the whole snapshot; this thread only waits for it.
    boost::asio::post(io_, [shared = shared_, answer, snapshot = snapshot_] {
      std::optional<std::vector<MetricFamily>> families;
      try {
        families = snapshot();
      } catch (const std::exception&) {
        families.reset();  // reported as roam6_up 0
      }
      std::lock_guard lock(shared->mutex);
      answer->families = std::move(families);
      answer->done = true;
      shared->answered.notify_all();
    });
    std::unique_lock lock(shared_->mutex);
    shared_->answered.wait_for(lock, timeout_, [&] { return answer->done || shared_->closed; });
    if (!answer->done || !answer->families) return down();
    std::vector<MetricFamily> out = std::move(*answer->families);
    out.push_back(up(1));
    out.push_back(info());
    return out;
  }

  // On the loop thread.
  void close() {
    std::lock_guard lock(shared_->mutex);
    shared_->closed = true;
    shared_->answered.notify_all();
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable answered;
    bool closed = false;
  };
  struct Answer {
    bool done = false;
    std::optional<std::vector<MetricFamily>> families;
  };

  static MetricFamily up(double value) {
    return single_gauge("roam6_up", "1: the control plane answered this scrape; 0: it did not "
                                    "(busy past the timeout, or stopping) and nothing else is reported",
                        {}, value);
  }
  std::vector<MetricFamily> down() const { return {up(0), info()}; }
  MetricFamily info() const {
    return single_gauge("roam6_info", "the daemon's version, role and node name", info_, 1);
  }

  boost::asio::io_context& io_;
  Snapshot snapshot_;
  std::vector<ClientMetric::Label> info_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<Shared> shared_;
};

MetricsListener::MetricsListener(boost::asio::io_context& io, const std::string& listen,
                                 Snapshot snapshot, InfoLabels info,
                                 std::chrono::milliseconds timeout)
    : collectable_(std::make_shared<LoopCollectable>(io, std::move(snapshot), std::move(info), timeout)) {
  check_can_listen(listen);
  try {
    // One HTTP thread: scrapes are rare, and each mostly waits for the loop.
    exposer_ = std::make_unique<prometheus::Exposer>(listen, 1);
  } catch (const std::exception& e) {
    throw MetricsListenerError(listen + ": " + e.what());
  }
  exposer_->RegisterCollectable(collectable_);
}

MetricsListener::~MetricsListener() {
  collectable_->close();
  exposer_.reset();  // joins the HTTP thread, which no longer waits for anything
}

void MetricsListener::close() { collectable_->close(); }

int MetricsListener::port() const {
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace roam6::mip6d::daemon
