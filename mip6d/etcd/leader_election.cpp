#include "mip6d/etcd/leader_election.hpp"

#include <algorithm>

#include "mip6d/etcd/etcd_codec.hpp"

namespace roam6::mip6d::etcd {
namespace {

using nlohmann::json;

std::chrono::milliseconds tick_of(std::chrono::seconds ttl) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(ttl) / 4;
}

// How much longer than a TTL a standby waits after the leader's last
// heartbeat: the members' clocks may run at slightly different rates.
std::chrono::milliseconds silence_margin(std::chrono::seconds ttl) {
  return std::max<std::chrono::milliseconds>(std::chrono::milliseconds(10),
                                             std::chrono::duration_cast<std::chrono::milliseconds>(ttl) / 50);
}

}  // namespace

std::string_view name(LeaderElection::State state) noexcept {
  switch (state) {
    case LeaderElection::State::standby: return "standby";
    case LeaderElection::State::leading: return "leading";
    case LeaderElection::State::deposed: return "deposed";
  }
  return "unknown";
}

LeaderElection::LeaderElection(const EtcdSettings& etcd, std::string name, std::string identity, Policy policy,
                               Scheduler& scheduler, const Logger& log, Callbacks callbacks)
    : client_(etcd.endpoints, std::min(etcd.timeout, tick_of(policy.ttl))),
      key_(etcd.prefix + "/leader"),
      members_prefix_(etcd.prefix + "/members/"),
      prefix_(etcd.prefix),
      name_(std::move(name)),
      identity_(std::move(identity)),
      ttl_(policy.ttl),
      policy_(policy),
      scheduler_(scheduler),
      log_(log),
      callbacks_(std::move(callbacks)),
      timer_(scheduler.make_timer([this] { tick(); })),
      silence_timer_(scheduler.make_timer([this] { leader_key_changed(-1); })) {}

LeaderElection::~LeaderElection() = default;

void LeaderElection::start() {
  LogRecord(log_, LogLevel::info, "election_started")
      .kv("key", key_)
      .kv("ttl", ttl_.count())
      .kv("priority", policy_.priority)
      .kv("preempt", policy_.preempt ? "true" : "false");
  tick();
}

void LeaderElection::leader_key_changed(std::int64_t mod_revision) {
  if (state_ != State::standby) return;
  if (mod_revision > 0) {
    heard_leader(mod_revision);
    return;
  }
  // Deleted (0), or silent for a TTL (-1, the silence timer): campaign now.
  timer_->cancel();
  tick();
}

void LeaderElection::heard_leader(std::int64_t mod_revision) {
  if (mod_revision <= leader_revision_) return;
  leader_revision_ = mod_revision;
  leader_heard_ = scheduler_.now();
  silence_timer_->arm_at(silence_deadline());
}

// A TTL and the margin after the leader's last heartbeat; a tick more when
// a ready standby of higher rank is listed, which then takes the key first.
TimePoint LeaderElection::silence_deadline() const {
  const MemberRecord* better = outranking_ready_member();
  const bool head_start = better != nullptr && better->identity != leader_;
  return leader_heard_ + ttl_ + silence_margin(ttl_) + (head_start ? tick_of(ttl_) : std::chrono::milliseconds(0));
}

bool LeaderElection::leader_silent() const {
  return leader_revision_ != 0 && scheduler_.now() >= silence_deadline();
}

bool LeaderElection::leading() const { return state_ == State::leading && scheduler_.now() < valid_until_; }

Duration LeaderElection::lease_left() const {
  if (!lease_) return Duration::zero();
  return std::max(Duration::zero(), valid_until_ - scheduler_.now());
}

void LeaderElection::tick() {
  if (state_ == State::deposed) return;
  if (state_ == State::leading && scheduler_.now() >= valid_until_) {
    depose("the lease lapsed: no keep-alive answered in time");
    return;
  }
  if (lease_) {
    const TimePoint sent = scheduler_.now();
    const std::optional<std::int64_t> left = keep_alive();
    if (state_ == State::deposed) return;
    if (left && state_ == State::leading) heartbeat(sent, *left);
    if (state_ == State::deposed) return;
  }
  if (state_ == State::standby) {
    campaign();
  } else if (!listed_) {
    try {
      list_member();
    } catch (const EtcdError& e) {
      note_trouble(e.what());
    }
  }
  if (state_ != State::deposed) timer_->arm_at(scheduler_.now() + tick_of(ttl_));
}

// The seconds etcd gives the lease now; nothing when etcd did not answer
// or the lease is gone (which deposes a leader).
std::optional<std::int64_t> LeaderElection::keep_alive() {
  const TimePoint sent = scheduler_.now();
  try {
    const json answer = client_.call("/v3/lease/keepalive", {{"ID", std::to_string(*lease_)}});
    const std::int64_t left = gateway_int64(answer.value("result", json::object()).value("TTL", json(0)));
    troubled_ = false;
    if (left <= 0) {
      lease_.reset();
      if (state_ == State::leading) depose("etcd no longer has our lease");
      return std::nullopt;
    }
    // A leader's deadline moves only with a heartbeat written (heartbeat()).
    if (state_ == State::standby) valid_until_ = sent + std::chrono::seconds(left);
    return left;
  } catch (const EtcdError& e) {
    note_trouble(e.what());
    if (state_ == State::leading && scheduler_.now() >= valid_until_)
      depose("the lease lapsed: etcd did not answer the keep-alive");
  }
  return std::nullopt;
}

// Rewrites the leader key while it is still under our lease: what tells
// the standbys we are alive. `sent`: when the keep-alive that gave the
// lease `left` seconds was sent, which is before the heartbeat is written.
void LeaderElection::heartbeat(TimePoint sent, std::int64_t left) {
  const std::string key = to_base64(key_);
  const std::string lease = std::to_string(*lease_);
  try {
    const json answer = client_.call(
        "/v3/kv/txn",
        {{"compare", {{{"key", key}, {"target", "LEASE"}, {"lease", lease}}}},
         {"success",
          {{{"request_put", {{"key", key}, {"value", to_base64(identity_)}, {"lease", lease}}}},
           {{"request_range", members_range()}}}}});
    troubled_ = false;
    if (!answer.value("succeeded", false)) {
      depose("another member holds the leader key");
      return;
    }
    valid_until_ = sent + std::chrono::seconds(std::min<std::int64_t>(left, ttl_.count()));
    const json responses = answer.value("responses", json::array());
    if (responses.size() > 1) take_members(responses[1].value("response_range", json::object()));
    if (!policy_.preempt) return;
    // Only to a member that wrote its record since we won: one that was
    // listed before may be the leader we took over from, dead, its record
    // not yet gone with its lease.
    const MemberRecord* better = outranking_ready_member();
    if (better != nullptr && better->revision > won_revision_) {
      const std::string to = better->name;
      LogRecord(log_, LogLevel::warning, "handing_over").kv("to", to).kv("priority", better->priority);
      depose("handing over to " + to + ", a ready member of higher rank");
    }
  } catch (const EtcdError& e) {
    note_trouble(e.what());
    if (scheduler_.now() >= valid_until_) depose("the lease lapsed: etcd did not take the heartbeat");
  }
}

void LeaderElection::grant() {
  const TimePoint sent = scheduler_.now();
  const json answer = client_.call("/v3/lease/grant", {{"TTL", ttl_.count()}});
  const std::int64_t id = gateway_int64(answer.value("ID", json(0)));
  const std::int64_t granted = gateway_int64(answer.value("TTL", json(0)));
  if (id == 0 || granted <= 0) throw EtcdError("etcd /v3/lease/grant: no lease in the answer");
  lease_ = id;
  valid_until_ = sent + std::chrono::seconds(granted);
  listed_ = false;
}

// Present as long as the lease: what `mip6ctl cluster` lists.
void LeaderElection::list_member() {
  const bool now_ready = state_ == State::leading || ready();
  client_.call("/v3/kv/put", {{"key", to_base64(members_prefix_ + name_)},
                              {"value", to_base64(encode_member({name_, identity_, policy_.priority, now_ready}))},
                              {"lease", std::to_string(*lease_)}});
  listed_ = true;
  listed_ready_ = now_ready;
}

// A range request for every member's record.
nlohmann::json LeaderElection::members_range() const {
  return {{"key", to_base64(members_prefix_)}, {"range_end", to_base64(prefix_range_end(members_prefix_))}};
}

bool LeaderElection::ready() const { return !callbacks_.ready || callbacks_.ready(); }

// The ready member (not us) of the highest rank above ours, if any.
const MemberRecord* LeaderElection::outranking_ready_member() const {
  const MemberRecord self{name_, identity_, policy_.priority, true};
  const MemberRecord* best = nullptr;
  for (const MemberRecord& m : members_) {
    if (m.name == name_ || !m.ready || !outranks(m, self, prefix_)) continue;
    if (best == nullptr || outranks(m, *best, prefix_)) best = &m;
  }
  return best;
}

void LeaderElection::take_members(const json& range_response) {
  members_.clear();
  for (const json& kv : range_response.value("kvs", json::array())) {
    const std::string key = from_base64(kv.value("key", "")).value_or("");
    if (!key.starts_with(members_prefix_)) continue;
    MemberRecord m = decode_member(key.substr(members_prefix_.size()), from_base64(kv.value("value", "")).value_or(""));
    m.revision = gateway_int64(kv.value("mod_revision", json(0)));
    members_.push_back(std::move(m));
  }
  members_read_ = true;
}

// The answers to a range of the leader key and one of the members, in
// that order: who leads (and its heartbeat's revision) and who is listed.
void LeaderElection::take_state(const json& responses) {
  if (responses.size() < 2) return;
  std::string seen;
  std::int64_t seen_revision = 0;
  const json& kvs = responses[0].value("response_range", json::object()).value("kvs", json::array());
  if (!kvs.empty()) {
    seen = from_base64(kvs[0].value("value", "")).value_or("");
    seen_revision = gateway_int64(kvs[0].value("mod_revision", json(0)));
  }
  take_members(responses[1].value("response_range", json::object()));
  if (seen_revision == 0) {
    leader_revision_ = 0;  // free: the next campaign asks for a free key
  } else {
    heard_leader(seen_revision);
    deferring_since_.reset();
  }
  if (seen != leader_) {
    leader_ = seen;
    if (!leader_.empty()) LogRecord(log_, LogLevel::info, "standing_by").kv("leader", "\"" + leader_ + "\"");
  }
}

void LeaderElection::read_state() {
  const json answer = client_.call(
      "/v3/kv/txn",
      {{"success",
        {{{"request_range", {{"key", to_base64(key_)}}}},
         {{"request_range", members_range()}}}}});
  take_state(answer.value("responses", json::array()));
}

LeaderElection::View LeaderElection::view() {
  View v;
  try {
    const json leader = client_.call("/v3/kv/range", {{"key", to_base64(key_)}});
    for (const json& kv : leader.value("kvs", json::array()))
      v.leader = from_base64(kv.value("value", "")).value_or("");
    const json members = client_.call(
        "/v3/kv/range",
        members_range());
    const MemberRecord* preferred = nullptr;
    for (const json& kv : members.value("kvs", json::array())) {
      Member m;
      m.record = decode_member(from_base64(kv.value("key", "")).value_or("").substr(members_prefix_.size()),
                               from_base64(kv.value("value", "")).value_or(""));
      const json ttl = client_.call("/v3/lease/timetolive", {{"ID", kv.value("lease", json("0"))}});
      m.lease_left_s = gateway_int64(ttl.value("TTL", json(0)));
      v.members.push_back(std::move(m));
    }
    for (const Member& m : v.members)
      if (m.record.ready && (preferred == nullptr || outranks(m.record, *preferred, prefix_))) preferred = &m.record;
    if (preferred != nullptr) v.preferred = preferred->name;
  } catch (const EtcdError& e) {
    v.etcd_error = e.what();
  }
  return v;
}

// Wins the key if nobody holds it, or if its holder has been silent for a
// TTL: then only if it is still at the revision last heard from it.
void LeaderElection::campaign() {
  try {
    if (!lease_) grant();
    if (!listed_ || listed_ready_ != ready()) list_member();
    if (!members_read_) read_state();
    const bool take_over_silent = leader_silent();
    // Outranked by a ready member: a free key is left to it for a TTL (a
    // silent leader's key it takes a tick sooner: silence_deadline()).
    if (!take_over_silent && outranking_ready_member() != nullptr) {
      read_state();
      const MemberRecord* better = outranking_ready_member();
      if (leader_revision_ != 0 || better == nullptr) {
        deferring_since_.reset();
        if (leader_revision_ != 0) return;
      } else {
        const TimePoint now = scheduler_.now();
        if (!deferring_since_) {
          deferring_since_ = now;
          LogRecord(log_, LogLevel::info, "deferring").kv("to", better->name).kv("priority", better->priority);
        }
        if (now < *deferring_since_ + ttl_) return;
      }
    }
    const std::string key = to_base64(key_);
    const json compare = take_over_silent
        ? json{{"key", key}, {"target", "MOD"}, {"mod_revision", std::to_string(leader_revision_)}}
        : json{{"key", key}, {"target", "CREATE"}, {"create_revision", "0"}};
    const json answer = client_.call(
        "/v3/kv/txn",
        {{"compare", json::array({compare})},
         {"success", {{{"request_put", {{"key", key}, {"value", to_base64(identity_)}, {"lease", std::to_string(*lease_)}}}}}},
         {"failure",
          {{{"request_range", {{"key", key}}}},
           {{"request_range", members_range()}}}}});
    troubled_ = false;
    if (answer.value("succeeded", false)) {
      state_ = State::leading;
      deferring_since_.reset();
      silence_timer_->cancel();
      won_revision_ = gateway_int64(answer.value("header", json::object()).value("revision", json(0)));
      {
        LogRecord record(log_, LogLevel::warning, "elected");
        record.kv("key", key_).kv("lease_left_ms",
                                  std::chrono::duration_cast<std::chrono::milliseconds>(lease_left()).count());
        if (take_over_silent) record.kv("silent_leader", "\"" + leader_ + "\"");
      }
      leader_ = identity_;
      listed_ready_ = false;  // listed ready, as a leader, at the next tick
      listed_ = false;
      callbacks_.elected();
      return;
    }
    take_state(answer.value("responses", json::array()));
  } catch (const EtcdError& e) {
    note_trouble(e.what());
  }
}

void LeaderElection::depose(std::string_view why) {
  state_ = State::deposed;
  timer_->cancel();
  silence_timer_->cancel();
  LogRecord(log_, LogLevel::error, "leadership_lost").kv("reason", "\"" + std::string(why) + "\"");
  callbacks_.deposed(why);
}

void LeaderElection::resign() {
  timer_->cancel();
  silence_timer_->cancel();
  if (!lease_) return;
  const bool was_leading = state_ == State::leading;
  state_ = State::deposed;
  try {
    client_.call("/v3/lease/revoke", {{"ID", std::to_string(*lease_)}});
    if (was_leading) LogRecord(log_, LogLevel::info, "resigned").kv("key", key_);
  } catch (const EtcdError& e) {
    LogRecord(log_, LogLevel::warning, "resign_failed").kv("error", e.what());
  }
  lease_.reset();
}

void LeaderElection::note_trouble(const std::string& what) {
  LogRecord(log_, troubled_ ? LogLevel::debug : LogLevel::warning, "election_etcd_failure").kv("error", what);
  troubled_ = true;
}

}  // namespace roam6::mip6d::etcd
