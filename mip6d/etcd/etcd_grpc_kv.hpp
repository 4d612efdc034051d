#pragma once
// The store's hot path over etcd's v3 gRPC API (KV.Txn and Lease.Grant):
// a batch of puts costs etcd several times less CPU this way than through
// the JSON gateway, which decodes every put from JSON and calls itself over
// gRPC (docs/cluster.md, "Throughput"). The election, the members and the
// standby's watch, a few small requests a second, stay on the gateway
// (etcd_client.hpp).
//
// Blocking, as EtcdClient and for the same reason: the Home Agent commits
// inside one turn of its event loop and sends its BAs after. Each call is
// bounded by `timeout` as a whole; the members are tried in turn, and one
// that fails moves the next call to the next member.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mip6d/etcd/etcd_client.hpp"

namespace etcdserverpb {
class TxnRequest;
class TxnResponse;
}  // namespace etcdserverpb

namespace roam6::mip6d::etcd {

class EtcdGrpcKv {
 public:
  // `endpoints`: "ADDRESS:PORT" ("[v6]:PORT" or "v4:PORT"), at least one.
  EtcdGrpcKv(std::vector<std::string> endpoints, std::chrono::milliseconds timeout);
  ~EtcdGrpcKv();
  EtcdGrpcKv(const EtcdGrpcKv&) = delete;
  EtcdGrpcKv& operator=(const EtcdGrpcKv&) = delete;

  // Throws EtcdError (naming the member and etcd's reason) when no member
  // answered within the timeout.
  void txn(const etcdserverpb::TxnRequest& request, etcdserverpb::TxnResponse& response);
  // A lease of `ttl`: its ID.
  [[nodiscard]] std::int64_t grant(std::chrono::seconds ttl);

  [[nodiscard]] const std::string& endpoint() const noexcept;

 private:
  struct Members;
  std::unique_ptr<Members> members_;
};

}  // namespace roam6::mip6d::etcd
