// The [metrics] listener's thread rule: a scrape (on prometheus-cpp's HTTP
// thread) gets a snapshot built on the loop thread and nowhere else; a loop
// that does not answer, or a closed listener, gives roam6_up 0 at once
// instead of a hung or half-read scrape; an address in use is an error that
// says so.

#include "mip6d/daemon/metrics_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace roam6::mip6d::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A plain HTTP/1.0 GET on 127.0.0.1:port: the response, headers included.
std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "socket failed";
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

prometheus::MetricFamily counter(const std::string& name, double value) {
  prometheus::ClientMetric sample;
  sample.counter.value = value;
  return {name, "test", prometheus::MetricType::Counter, {sample}};
}

class MetricsListenerTest : public ::testing::Test {
 protected:
  // The loop runs on its own thread, as the daemon's does.
  void run_loop() {
    loop_thread_ = std::thread([this] {
      loop_id_ = std::this_thread::get_id();
      io_.run();
    });
  }
  void TearDown() override {
    work_.reset();
    io_.stop();
    if (loop_thread_.joinable()) loop_thread_.join();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::thread loop_thread_;
  std::atomic<std::thread::id> loop_id_{};
};

TEST_F(MetricsListenerTest, TheSnapshotIsBuiltOnTheLoopThread) {
  std::atomic<int> calls{0};
  std::atomic<bool> on_loop{true};
  MetricsListener listener(
      io_, "127.0.0.1:0",
      [&] {
        ++calls;
        if (std::this_thread::get_id() != loop_id_.load()) on_loop = false;
        return std::vector<prometheus::MetricFamily>{counter("roam6_bu_received_total", calls)};
      },
      {{"version", "9.9"}, {"role", "host"}, {"node", "h1"}});
  ASSERT_GT(listener.port(), 0);
  run_loop();

  const std::string first = http_get(listener.port(), "/metrics");
  EXPECT_THAT(first, HasSubstr("200 OK"));
  EXPECT_THAT(first, HasSubstr("roam6_bu_received_total 1\n"));
  EXPECT_THAT(first, HasSubstr("roam6_up 1\n"));
  EXPECT_THAT(first, HasSubstr("roam6_info{node=\"h1\",role=\"host\",version=\"9.9\"} 1\n"));
  // Each scrape asks the loop again: the values are current.
  EXPECT_THAT(http_get(listener.port(), "/metrics"), HasSubstr("roam6_bu_received_total 2\n"));
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(on_loop);
  EXPECT_THAT(http_get(listener.port(), "/other"), HasSubstr("404"));
}

TEST_F(MetricsListenerTest, ALoopThatDoesNotAnswerGivesUpZeroInsteadOfHanging) {
  // The loop is not running: nobody builds the snapshot.
  MetricsListener listener(
      io_, "127.0.0.1:0", [] { return std::vector<prometheus::MetricFamily>{counter("roam6_x_total", 1)}; },
      {}, 200ms);
  const auto started = std::chrono::steady_clock::now();
  const std::string text = http_get(listener.port(), "/metrics");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_THAT(text, HasSubstr("roam6_up 0\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("roam6_x_total")));
  // The request still queued runs later, harmlessly, when the loop does.
  run_loop();
}

TEST_F(MetricsListenerTest, ASnapshotThatThrowsGivesUpZero) {
  MetricsListener listener(
      io_, "127.0.0.1:0", []() -> std::vector<prometheus::MetricFamily> { throw std::runtime_error("boom"); },
      {});
  run_loop();
  EXPECT_THAT(http_get(listener.port(), "/metrics"), HasSubstr("roam6_up 0\n"));
}

TEST_F(MetricsListenerTest, AfterCloseScrapesAnswerAtOnce) {
  MetricsListener listener(
      io_, "127.0.0.1:0", [] { return std::vector<prometheus::MetricFamily>{}; }, {}, 30s);
  listener.close();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THAT(http_get(listener.port(), "/metrics"), HasSubstr("roam6_up 0\n"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(MetricsListenerTest, AnAddressInUseIsRefusedWithTheReason) {
  MetricsListener first(io_, "127.0.0.1:0", [] { return std::vector<prometheus::MetricFamily>{}; }, {});
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    MetricsListener second(io_, taken, [] { return std::vector<prometheus::MetricFamily>{}; }, {});
    FAIL() << "a second listener on " << taken;
  } catch (const MetricsListenerError& e) {
    EXPECT_EQ(std::string(e.what()), taken + ": Address already in use");
  }
}

}  // namespace
}  // namespace roam6::mip6d::daemon
