#pragma once
// The [metrics] listener: serves the daemon's counters in the Prometheus text
// exposition format on http://<listen>/metrics, through prometheus-cpp's
// Exposer (libprometheus-cpp-pull, which runs civetweb's HTTP threads).
//
// Threads. Every counter lives on the control-plane thread (the Asio loop)
// and is read nowhere else. A scrape runs on an HTTP thread; its Collect()
// posts a request to the loop and waits (bounded by `timeout`) for the
// loop to answer with a finished snapshot (`Snapshot`, which runs on the
// loop). The only data the two threads share is that answer, handed over
// under a mutex: there is no copy of the counters to keep in step and no
// counter a scrape could read half-updated. A loop that does not answer in
// time (a long store commit) makes the scrape report roam6_up 0 and nothing
// else, which Prometheus shows as such, instead of blocking the scraper.
//
//   MetricsListener metrics(io, "127.0.0.1:9464", [&] { return stats_to_metrics(stats()); },
//                           {{"role", "host"}, ...});
//   ...
//   metrics.close();  // on the loop thread, before the loop stops

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <prometheus/metric_family.h>

namespace prometheus {
class Exposer;
}

namespace roam6::mip6d::daemon {

// The listener could not start; what() says why ("127.0.0.1:9464: Address already in use").
class MetricsListenerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class MetricsListener {
 public:
  // Runs on the loop thread for every scrape; may throw (the scrape then
  // reports roam6_up 0).
  using Snapshot = std::function<std::vector<prometheus::MetricFamily>()>;
  // roam6_info's labels (version, role, node).
  using InfoLabels = std::vector<std::pair<std::string, std::string>>;

  // Binds `listen` ("127.0.0.1:9464", "[::1]:9464" where the HTTP server
  // has IPv6; port 0 picks a free one) and starts serving. Throws
  // MetricsListenerError.
  MetricsListener(boost::asio::io_context& io, const std::string& listen, Snapshot snapshot,
                  InfoLabels info, std::chrono::milliseconds timeout = std::chrono::seconds(2));
  // Stops the HTTP threads (close() first if the loop still runs).
  ~MetricsListener();
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;

  // From now on scrapes answer roam6_up 0 at once, and a scrape waiting for
  // the loop stops waiting: the loop is about to stop.
  void close();

  // The port listened on (the real one when `listen` asked for port 0).
  [[nodiscard]] int port() const;

 private:
  class LoopCollectable;
  std::shared_ptr<LoopCollectable> collectable_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace roam6::mip6d::daemon
