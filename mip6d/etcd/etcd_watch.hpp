#pragma once
// One etcd watch through the JSON gateway (POST /v3/watch: an HTTP response
// that never ends, one JSON object per line), read on the daemon's event
// loop with Boost.Beast: never blocks it. Each answer's "result" goes to
// `on_result`; the end of the stream (etcd gone, connection lost, or
// stop()) to `on_end` once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

namespace roam6::mip6d::etcd {

class EtcdWatch {
 public:
  using OnResult = std::function<void(const nlohmann::json& result)>;
  using OnEnd = std::function<void(const std::string& why)>;

  // `endpoint`: "ADDRESS:PORT"; `connect_timeout` bounds the connection and
  // the request, not the (endless) answer.
  EtcdWatch(boost::asio::io_context& io, std::string endpoint, std::chrono::milliseconds connect_timeout);
  ~EtcdWatch();
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

  // Every change to keys in [key, range_end) from `start_revision` on.
  void start(const std::string& key, const std::string& range_end, std::int64_t start_revision, OnResult on_result,
             OnEnd on_end);
  // Closes the stream; no callback after it.
  void stop();

 private:
  struct Session;
  boost::asio::io_context& io_;
  std::string endpoint_;
  std::chrono::milliseconds connect_timeout_;
  std::shared_ptr<Session> session_;
};

}  // namespace roam6::mip6d::etcd
