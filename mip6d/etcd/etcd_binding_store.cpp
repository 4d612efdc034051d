#include "mip6d/etcd/etcd_binding_store.hpp"

#include <algorithm>

#include "etcd/etcdserver/etcdserverpb/rpc.pb.h"

#include "mip6d/etcd/etcd_codec.hpp"
#include "mip6d/etcd/etcd_records.hpp"
#include "mip6d/etcd/read_prefix.hpp"
#include "mip6d/store/store_error.hpp"

namespace roam6::mip6d::etcd {
namespace {

StoreError unavailable(const std::string& why) { return StoreError(StoreErrc::unavailable, why); }

}  // namespace

EtcdBindingStore::EtcdBindingStore(const EtcdSettings& settings, std::function<WallTime()> clock)
    : writer_(settings.endpoints, settings.timeout),
      reader_(settings.endpoints, std::max(settings.timeout, full_read_timeout)),
      prefix_(settings.prefix),
      txn_ops_(settings.txn_ops),
      clock_(std::move(clock)) {}

void EtcdBindingStore::require_open(const char* what) const {
  if (!open_) throw StoreError(StoreErrc::misuse, std::string(what) + " outside a batch");
}

void EtcdBindingStore::read_all(const std::string& under,
                                const std::function<void(const std::string&, const std::string&)>& each) {
  try {
    read_prefix(reader_, under, each);
  } catch (const EtcdError& e) {
    throw unavailable(e.what());
  }
}

void EtcdBindingStore::load(WallTime now, const std::function<void(const StoredBinding&)>& each) {
  if (open_) throw StoreError(StoreErrc::misuse, "load inside a batch");
  if (mirror_ != nullptr) {  // a takeover: the standby's copy, decoded already
    skipped_ += mirror_->unreadable();
    mirror_->for_each_binding([&](const StoredBinding& b) {
      if (b.expires > now) each(b);
    });
    return;
  }
  const auto take = [&](const std::string& key, const std::string& value) {
    const auto b = decode_binding(prefix_, key, value);
    if (!b) {
      ++skipped_;
    } else if (b->expires > now) {
      each(*b);
    }
  };
  read_all(bindings_under(prefix_), take);
}

void EtcdBindingStore::load_replay(WallTime now, const std::function<void(const StoredReplayRecord&)>& each) {
  if (mirror_ != nullptr) {
    mirror_->for_each_replay([&](const StoredReplayRecord& r) {
      if (r.forget_at > now) each(r);
    });
    return;
  }
  const auto take = [&](const std::string& key, const std::string& value) {
    const auto r = decode_replay(prefix_, key, value);
    if (!r) {
      ++skipped_;
    } else if (r->forget_at > now) {
      each(*r);
    }
  };
  read_all(replay_under(prefix_), take);
}

void EtcdBindingStore::begin() {
  if (open_) throw StoreError(StoreErrc::misuse, "begin inside a batch");
  open_ = true;
  batch_.clear();
}

void EtcdBindingStore::put(const StoredBinding& b) {
  require_open("put");
  batch_[binding_key(prefix_, b.home_address)] = Write{encode_binding(b), b.expires};
}

void EtcdBindingStore::erase(const wire::Ip6Addr& home_address) {
  require_open("erase");
  batch_[binding_key(prefix_, home_address)] = std::nullopt;
}

void EtcdBindingStore::put_replay(const StoredReplayRecord& r) {
  require_open("put_replay");
  batch_[replay_key(prefix_, r.key)] = Write{encode_replay(r), r.forget_at};
}

void EtcdBindingStore::erase_replay(const std::string& key) {
  require_open("erase_replay");
  batch_[replay_key(prefix_, key)] = std::nullopt;
}

void EtcdBindingStore::commit() {
  require_open("commit");
  open_ = false;
  const auto batch = std::move(batch_);
  batch_.clear();
  if (batch.empty()) return;
  const WallTime now = clock_();
  if (now < retry_at_) {
    throw unavailable(last_failure_ + " (next try in " +
                      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now).count()) +
                      " ms)");
  }
  try {
    write(batch);
    retry_at_ = {};
  } catch (const EtcdError& e) {
    retry_at_ = clock_() + retry_interval;
    last_failure_ = e.what();
    throw unavailable(e.what());
  }
}

std::int64_t EtcdBindingStore::lease_for(WallTime expires, WallTime now) {
  const std::int64_t bucket = leases_.bucket_of(expires);
  if (const auto id = leases_.lease(bucket)) return *id;
  const std::int64_t id = writer_.grant(leases_.ttl(bucket, now));
  leases_.granted(bucket, id);
  return id;
}

void EtcdBindingStore::write(const std::map<std::string, std::optional<Write>>& batch) {
  // A lease etcd no longer has (revoked, or etcd restored from a backup)
  // fails the transaction: grant afresh, once.
  for (int attempt = 0;; ++attempt) {
    const WallTime now = clock_();
    leases_.forget_ended(now);
    try {
      etcdserverpb::TxnRequest txn;
      etcdserverpb::TxnResponse answer;
      auto start_txn = [&] {
        txn.Clear();
        if (guard_key_.empty()) return;
        etcdserverpb::Compare* guard = txn.add_compare();
        guard->set_key(guard_key_);
        guard->set_target(etcdserverpb::Compare::LEASE);
        guard->set_result(etcdserverpb::Compare::EQUAL);
        guard->set_lease(guard_lease_);
      };
      auto send = [&] {
        writer_.txn(txn, answer);
        if (!answer.succeeded()) {
          throw EtcdError(guard_key_.empty() ? "etcd KV.Txn: not applied"
                                             : "etcd KV.Txn: not applied: " + guard_key_ +
                                                   " is no longer under this leader's lease");
        }
        start_txn();
      };
      start_txn();
      for (const auto& [key, write] : batch) {
        etcdserverpb::RequestOp* op = txn.add_success();
        if (write) {
          etcdserverpb::PutRequest* put = op->mutable_request_put();
          put->set_key(key);
          put->set_value(write->value);
          put->set_lease(lease_for(write->expires, now));
        } else {
          op->mutable_request_delete_range()->set_key(key);
        }
        if (static_cast<std::size_t>(txn.success_size()) == txn_ops_) send();
      }
      if (txn.success_size() > 0) send();
      return;
    } catch (const EtcdError& e) {
      if (attempt > 0 || std::string_view(e.what()).find("lease not found") == std::string_view::npos) throw;
      leases_.clear();
    }
  }
}

}  // namespace roam6::mip6d::etcd
