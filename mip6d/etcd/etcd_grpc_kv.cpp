#include "mip6d/etcd/etcd_grpc_kv.hpp"

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"

namespace roam6::mip6d::etcd {

struct EtcdGrpcKv::Members {
  struct Member {
    std::string endpoint;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;

    // A member that failed a call gets a fresh channel for the next: gRPC's
    // own reconnection waits longer after each failure (up to two minutes),
    // and the store asks again every second and should find etcd as soon
    // as it is back.
    void connect() {
      channel = grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials());
      kv = etcdserverpb::KV::NewStub(channel);
      lease = etcdserverpb::Lease::NewStub(channel);
    }
  };
  std::vector<Member> all;
  std::size_t next = 0;
  std::chrono::milliseconds timeout;

  // Runs `rpc(member, context)` on each member in turn from `next` until one
  // succeeds or the time is up; the member that answered is tried first next.
  template <class Rpc>
  void call(const char* what, Rpc rpc) {
    const auto deadline = std::chrono::system_clock::now() + timeout;
    std::string failures;
    for (std::size_t tried = 0; tried < all.size(); ++tried) {
      Member& m = all[next];
      grpc::ClientContext context;
      context.set_deadline(deadline);
      const grpc::Status status = rpc(m, context);
      if (status.ok()) return;
      m.connect();
      failures += (failures.empty() ? "" : "; ") + m.endpoint + ": " +
                  (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                       ? "no answer within " + std::to_string(timeout.count()) + " ms"
                       : status.error_message());
      next = (next + 1) % all.size();
      if (std::chrono::system_clock::now() >= deadline) break;
    }
    throw EtcdError(std::string("etcd ") + what + " (gRPC): " + failures);
  }
};

EtcdGrpcKv::EtcdGrpcKv(std::vector<std::string> endpoints, std::chrono::milliseconds timeout)
    : members_(std::make_unique<Members>()) {
  if (endpoints.empty()) throw EtcdError("no etcd endpoint");
  members_->timeout = timeout;
  for (std::string& e : endpoints) {
    Members::Member m;
    m.endpoint = std::move(e);
    m.connect();
    members_->all.push_back(std::move(m));
  }
}

EtcdGrpcKv::~EtcdGrpcKv() = default;

void EtcdGrpcKv::txn(const etcdserverpb::TxnRequest& request, etcdserverpb::TxnResponse& response) {
  members_->call("KV.Txn", [&](Members::Member& m, grpc::ClientContext& context) {
    return m.kv->Txn(&context, request, &response);
  });
}

std::int64_t EtcdGrpcKv::grant(std::chrono::seconds ttl) {
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl.count());
  etcdserverpb::LeaseGrantResponse response;
  members_->call("Lease.Grant", [&](Members::Member& m, grpc::ClientContext& context) {
    return m.lease->LeaseGrant(&context, request, &response);
  });
  if (!response.error().empty()) throw EtcdError("etcd Lease.Grant: " + response.error());
  if (response.id() == 0) throw EtcdError("etcd Lease.Grant: no lease in the answer");
  return response.id();
}

const std::string& EtcdGrpcKv::endpoint() const noexcept { return members_->all[members_->next].endpoint; }

}  // namespace roam6::mip6d::etcd
