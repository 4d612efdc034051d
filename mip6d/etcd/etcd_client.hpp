#pragma once
// A client of etcd's v3 API through its JSON gateway (the grpc-gateway every
// etcd member serves on its client URL: POST /v3/kv/txn, /v3/kv/range,
// /v3/lease/grant, ..., keys and values in base64). HTTP is Boost.Beast's.
//
// Blocking, on purpose: the Home Agent commits its store inside one turn of
// its event loop, as the SQLite store does (store/binding_store.hpp), so a
// BA leaves only after etcd has the change. Every call is bounded by
// `timeout` as a whole, whatever it tries, so an unreachable or leaderless
// etcd costs the caller at most that.
//
// Members are tried in turn: a call that fails on one (refused, timed out,
// an etcd error such as "no leader") moves the next call to the next member.
// One kept-alive connection; single-threaded like the control plane.

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

namespace roam6::mip6d::etcd {

class EtcdError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "ADDRESS:PORT" ("[v6]:PORT" or "v4:PORT", as the configuration checked
// it) as a TCP endpoint; throws boost::system::system_error when it is not.
[[nodiscard]] boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text);

class EtcdClient {
 public:
  // `endpoints`: "ADDRESS:PORT" ("[v6]:PORT" or "v4:PORT"), at least one.
  EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // POSTs `body` to `path` ("/v3/kv/txn") and returns the parsed answer.
  // Throws EtcdError (naming the member and the reason) when no member
  // answered with success within the timeout.
  nlohmann::json call(std::string_view path, const nlohmann::json& body);

  // The member the next call goes to first.
  [[nodiscard]] const std::string& endpoint() const noexcept;

 private:
  struct Connection;
  std::unique_ptr<Connection> connection_;
};

}  // namespace roam6::mip6d::etcd
