#include "mip6d/etcd/etcd_binding_store.hpp"

#include <cstdio>

#include "mip6d/etcd/etcd_codec.hpp"
#include "mip6d/store/store_error.hpp"

namespace roam6::mip6d::etcd {
namespace {

using nlohmann::json;
constexpr std::size_t page_size = 10000;

std::int64_t to_ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
WallTime from_ms(std::int64_t ms) {
  return WallTime(std::chrono::duration_cast<WallClock::duration>(std::chrono::milliseconds(ms)));
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    if (std::sscanf(std::string(text.substr(i, 2)).c_str(), "%2x", &value) != 1) return std::nullopt;
    out += static_cast<char>(value);
  }
  return out;
}

StoreError unavailable(const std::string& why) { return StoreError(StoreErrc::unavailable, why); }

}  // namespace

EtcdBindingStore::EtcdBindingStore(const EtcdSettings& settings, std::function<WallTime()> clock)
    : client_(settings.endpoints, settings.timeout),
      prefix_(settings.prefix),
      txn_ops_(settings.txn_ops),
      clock_(std::move(clock)) {}

void EtcdBindingStore::require_open(const char* what) const {
  if (!open_) throw StoreError(StoreErrc::misuse, std::string(what) + " outside a batch");
}

void EtcdBindingStore::range(const std::string& prefix,
                             const std::function<void(const std::string&, const std::string&)>& each) {
  std::string from = prefix;
  const std::string end = to_base64(prefix_range_end(prefix));
  for (;;) {
    json answer;
    try {
      answer = client_.call("/v3/kv/range", {{"key", to_base64(from)}, {"range_end", end}, {"limit", page_size}});
    } catch (const EtcdError& e) {
      throw unavailable(e.what());
    }
    if (!answer.contains("kvs")) return;
    std::string last;
    for (const json& kv : answer["kvs"]) {
      const auto key = from_base64(kv.value("key", ""));
      const auto value = from_base64(kv.value("value", ""));
      if (!key) continue;
      last = *key;
      if (value) each(*key, *value);
    }
    if (!answer.value("more", false) || last.empty()) return;
    from = last + '\0';
  }
}

void EtcdBindingStore::load(WallTime now, const std::function<void(const StoredBinding&)>& each) {
  if (open_) throw StoreError(StoreErrc::misuse, "load inside a batch");
  const std::string prefix = prefix_ + "/binding/";
  range(prefix, [&](const std::string& key, const std::string& value) {
    const auto hoa = wire::Ip6Addr::parse(std::string_view(key).substr(prefix.size()));
    const json v = json::parse(value, nullptr, false);
    try {
      if (!hoa || !v.is_object()) throw std::invalid_argument("not a binding");
      StoredBinding b;
      b.home_address = *hoa;
      const auto coa = wire::Ip6Addr::parse(v.at("care_of_address").get<std::string>());
      if (!coa) throw std::invalid_argument("care-of address");
      b.care_of_address = *coa;
      b.expires = from_ms(v.at("expires_ms").get<std::int64_t>());
      b.spi = v.at("spi").get<std::uint32_t>();
      b.last_timestamp = v.at("last_timestamp").get<std::uint64_t>();
      b.sequence = v.at("sequence").get<std::uint16_t>();
      b.flags = v.at("flags").get<std::uint16_t>();
      if (b.expires > now) each(b);
    } catch (const std::exception&) {
      ++skipped_;
    }
  });
}

void EtcdBindingStore::load_replay(WallTime now, const std::function<void(const StoredReplayRecord&)>& each) {
  const std::string prefix = prefix_ + "/replay/";
  range(prefix, [&](const std::string& key, const std::string& value) {
    const auto bytes = unhex(std::string_view(key).substr(prefix.size()));
    const json v = json::parse(value, nullptr, false);
    try {
      if (!bytes || bytes->empty() || !v.is_object()) throw std::invalid_argument("not a replay record");
      StoredReplayRecord r;
      r.key = *bytes;
      r.last_timestamp = v.at("last_timestamp").get<std::uint64_t>();
      r.sequence = v.at("sequence").get<std::uint16_t>();
      r.forget_at = from_ms(v.at("forget_at_ms").get<std::int64_t>());
      if (r.forget_at > now) each(r);
    } catch (const std::exception&) {
      ++skipped_;
    }
  });
}

void EtcdBindingStore::begin() {
  if (open_) throw StoreError(StoreErrc::misuse, "begin inside a batch");
  open_ = true;
  batch_.clear();
}

void EtcdBindingStore::put(const StoredBinding& b) {
  require_open("put");
  const json v = {{"care_of_address", b.care_of_address.to_string()},
                  {"expires_ms", to_ms(b.expires)},
                  {"spi", b.spi},
                  {"last_timestamp", b.last_timestamp},
                  {"sequence", b.sequence},
                  {"flags", b.flags}};
  batch_[prefix_ + "/binding/" + b.home_address.to_string()] = Write{v.dump(), b.expires};
}

void EtcdBindingStore::erase(const wire::Ip6Addr& home_address) {
  require_open("erase");
  batch_[prefix_ + "/binding/" + home_address.to_string()] = std::nullopt;
}

void EtcdBindingStore::put_replay(const StoredReplayRecord& r) {
  require_open("put_replay");
  const json v = {{"last_timestamp", r.last_timestamp}, {"sequence", r.sequence}, {"forget_at_ms", to_ms(r.forget_at)}};
  batch_[prefix_ + "/replay/" + hex(r.key)] = Write{v.dump(), r.forget_at};
}

void EtcdBindingStore::erase_replay(const std::string& key) {
  require_open("erase_replay");
  batch_[prefix_ + "/replay/" + hex(key)] = std::nullopt;
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
  const json answer = client_.call("/v3/lease/grant", {{"TTL", leases_.ttl(bucket, now).count()}});
  const std::int64_t id = gateway_int64(answer.value("ID", json(0)));
  if (id == 0) throw EtcdError("etcd /v3/lease/grant: no lease ID in the answer");
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
      json ops = json::array();
      auto send = [&] {
        const json answer = client_.call("/v3/kv/txn", {{"success", ops}});
        if (!answer.value("succeeded", false)) throw EtcdError("etcd /v3/kv/txn: not applied");
        ops = json::array();
      };
      for (const auto& [key, write] : batch) {
        if (write) {
          ops.push_back({{"request_put",
                          {{"key", to_base64(key)},
                           {"value", to_base64(write->value)},
                           {"lease", std::to_string(lease_for(write->expires, now))}}}});
        } else {
          ops.push_back({{"request_delete_range", {{"key", to_base64(key)}}}});
        }
        if (ops.size() == txn_ops_) send();
      }
      if (!ops.empty()) send();
      return;
    } catch (const EtcdError& e) {
      if (attempt > 0 || std::string_view(e.what()).find("lease not found") == std::string_view::npos) throw;
      leases_.clear();
    }
  }
}

}  // namespace roam6::mip6d::etcd
