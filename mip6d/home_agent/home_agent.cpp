#include "mip6d/home_agent/home_agent.hpp"

#include <algorithm>
#include <exception>
#include <vector>

#include "mip6d/io/ipv6_frame.hpp"
#include "mip6d/signalling/neighbour_responder.hpp"
#include "mip6d/signalling/ntp_timestamp.hpp"
#include "roam6/wire/checksum.hpp"
#include "roam6/wire/ethernet.hpp"
#include "roam6/wire/extension_headers.hpp"
#include "roam6/wire/icmpv6.hpp"
#include "roam6/wire/mobility_writer.hpp"

namespace roam6::mip6d::ha {

namespace {
// RFC 4861 MAX_NEIGHBOR_ADVERTISEMENT: unsolicited NAs sent when defending
// starts, RETRANS_TIMER apart.
constexpr unsigned neighbour_advertisements = 3;
constexpr Duration announcement_spacing = std::chrono::seconds(1);
// How often replay records past their use leave memory and the store. They
// do no harm meanwhile (an old record only refuses what the window refuses
// anyway), so this only bounds the space they take.
constexpr Duration replay_purge_interval = std::chrono::seconds(30);
// How long a binding deleted from elsewhere (the guest came home) keeps its
// tunnel in the datapath when hand-over forwarding is on. The guest's own
// packets, reverse-tunnelled by the host it left just before it paused, are
// still crossing the WAN when the home host's deregistration (a local round
// trip) deletes the binding; dropped, they were the probes a zero-loss move
// home still lost. One second covers any WAN's one-way delay; meanwhile the
// tunnel accepts only what it accepted a moment before.
constexpr Duration tunnel_linger = std::chrono::seconds(1);

// The checksum of a Mobility Header the wire library returned no view for
// because its type is unknown; `p.ip` and `p.chain` are set. RFC 6275 6.1.1
// pseudo-header: the Home Address option's address as source, a type 2
// routing header's (segments left) as destination.
bool unknown_type_checksum_valid(const wire::MobilityPacket& p) {
  const wire::ByteSpan mh = p.ip.packet().subspan(p.chain.upper_offset);
  if (mh.size() < wire::mobility_header_min_size) return false;
  const std::size_t size = (std::size_t{mh[1]} + 1) * 8;
  if (size > mh.size()) return false;
  return wire::upper_layer_checksum_valid(p.pseudo_source(), p.pseudo_destination(),
                                          wire::ipproto::mobility, mh.first(size));
}
}  // namespace

HomeAgent::HomeAgent(const Config& config, Scheduler& scheduler, PacketIo& io, ForwardingTable& fib,
                     BindingStore& store, const Logger& log)
    : ha_(config.home_agent.value()),
      scheduler_(scheduler),
      io_(io),
      fib_(fib),
      store_(store),
      log_(log),
      keys_(config.keys),
      registrar_(ha_, config.policy),
      replay_(ha_.replay_memory_limit, ha_.replay_window),
      writer_(io),
      receive_guard_(scheduler, writer_,
                     {.mobile_node = false,
                      .care_of_address_for = [this](const wire::Ip6Addr& hoa) -> std::optional<wire::Ip6Addr> {
                        const Binding* b = cache_.find(hoa);
                        return b != nullptr ? std::optional(b->care_of_address) : std::nullopt;
                      }},
                     error_message_limit(config), counters_.receive_checks, log),
      notices_(scheduler, ha_.address, log,
               [this](const BindingRevocationSpec& spec, std::uint32_t spi, const wire::MacAddr& next_hop) {
                 return send_revocation(spec, spi, next_hop);
               },
               counters_.hand_over),
      expiry_timer_(scheduler.make_timer([this] { on_expiry(); })),
      announce_timer_(scheduler.make_timer([this] { on_announcement_timer(); })),
      replay_timer_(scheduler.make_timer([this] { on_replay_timer(); })),
      linger_timer_(scheduler.make_timer([this] { on_linger_timer(); })) {}

HomeAgent::~HomeAgent() = default;

void HomeAgent::start() {
  const TimePoint now = scheduler_.now();
  const WallTime wall = scheduler_.wall_now();
  std::vector<wire::Ip6Addr> outside_home_prefixes;
  store_.load(wall, [&](const StoredBinding& s) {
    // Stored under other home_prefixes (the operator narrowed them): not an
    // address this Home Agent serves now, and the datapath looks such an
    // address up only as a source (HomeAgentSettings::home_prefixes).
    if (!on_home_link(s.home_address)) {
      outside_home_prefixes.push_back(s.home_address);
      return;
    }
    Binding b;
    b.care_of_address = s.care_of_address;
    b.expires = now + std::chrono::duration_cast<Duration>(s.expires - wall);
    b.last_timestamp = s.last_timestamp;
    b.spi = s.spi;
    b.sequence = s.sequence;
    b.flags = s.flags;
    b.link_layer_identifier = s.link_layer_identifier;
    cache_.put(s.home_address, b);
    fib_.set_tunnel({s.home_address, s.care_of_address});
    ++counters_.bindings_restored;
  });
  if (!outside_home_prefixes.empty()) begin_store_batch();
  for (const wire::Ip6Addr& home_address : outside_home_prefixes) {
    LogRecord(log_, LogLevel::warning, "restored_binding_outside_home_prefixes")
        .kv("home_address", home_address)
        .kv("action", "dropped");
    if (!store_batch_failed_) store_.erase(home_address);
  }
  restore_replay_memory(wall);
  LogRecord(log_, LogLevel::info, "home_agent_started")
      .kv("address", ha_.address)
      .kv("restored_bindings", counters_.bindings_restored)
      .kv("restored_replay_records", counters_.replay_records_restored);
  rearm_expiry();
  replay_timer_->arm_at(now + replay_purge_interval);
  io_.set_handler([this](const ReceivedFrame& f) { on_frame(f); });
}

bool HomeAgent::fenced() {
  if (!may_serve_ || may_serve_()) return false;
  ++counters_.fenced;
  return true;
}

void HomeAgent::announce_takeover() {
  schedule_announcement(ha_.address);
  cache_.for_each([&](const wire::Ip6Addr& hoa, const Binding&) { schedule_announcement(hoa); });
  LogRecord(log_, LogLevel::info, "takeover_announced").kv("bindings", cache_.size());
}

void HomeAgent::restore_replay_memory(WallTime wall) {
  // What the store remembers, then every live binding's own last timestamp
  // (a store written before the replay memory existed has only those).
  store_.load_replay(wall, [&](const StoredReplayRecord& r) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(r.key.data());
    if (r.key.size() == 1 && bytes[0] == replay_floor_key_byte) {
      replay_.restore_floor(r.last_timestamp, wall);
      return;
    }
    const auto key = ReplayKey::from_bytes({bytes, r.key.size()});
    if (!key) {
      LogRecord(log_, LogLevel::warning, "replay_record_skipped").kv("reason", "\"unknown key form\"");
      return;
    }
    replay_.restore(*key, r.last_timestamp, r.sequence, wall);
    ++counters_.replay_records_restored;
  });
  cache_.for_each([&](const wire::Ip6Addr& hoa, const Binding& b) {
    replay_.restore(ReplayKey::for_home_address(hoa), b.last_timestamp, b.sequence, wall);
  });
}

std::uint64_t HomeAgent::last_accepted(const ReceivedBindingUpdate& bu) const {
  std::uint64_t last = replay_.last_accepted(ReplayKey::for_home_address(bu.home_address));
  if (bu.mobile_node_identifier) {
    last = std::max(last, replay_.last_accepted(ReplayKey::for_mobile_node(
                              bu.mobile_node_identifier->front(),
                              std::span(*bu.mobile_node_identifier).subspan(1))));
  }
  return last;
}

void HomeAgent::persist_replay(const ReplayKey& key) {
  const ReplayRecord* r = replay_.find(key);
  if (r == nullptr || store_batch_failed_) return;
  store_.put_replay({key.to_bytes(), r->last_timestamp, r->sequence, r->forget_at});
}

void HomeAgent::remember_accepted(const ReceivedBindingUpdate& bu, bool binding_kept) {
  // In the batch of the BU itself: the record is durable before the BA leaves.
  // A batch that fails to commit leaves the record in memory only, which
  // errs on the side of refusing. While the home address keeps a binding,
  // the binding's own row holds the same timestamp and sequence (restored
  // into the replay memory at start): its record is written only when the
  // binding goes (deregistration here, expiry in on_expiry), which halves
  // the store's writes per BU.
  begin_store_batch();
  std::vector<ReplayKey> keys{ReplayKey::for_home_address(bu.home_address)};
  if (bu.mobile_node_identifier)
    keys.push_back(ReplayKey::for_mobile_node(bu.mobile_node_identifier->front(),
                                              std::span(*bu.mobile_node_identifier).subspan(1)));
  for (const ReplayKey& key : keys) {
    const std::uint64_t floor_before = replay_.floor();
    const auto evicted = replay_.remember(key, *bu.timestamp, bu.sequence);
    if (!binding_kept || key.kind != ReplayKey::Kind::home_address) persist_replay(key);
    if (store_batch_failed_) continue;
    for (const ReplayKey& gone : evicted) store_.erase_replay(gone.to_bytes());
    if (replay_.floor() != floor_before) {
      LogRecord(log_, LogLevel::warning, "replay_memory_full")
          .kv("limit", replay_.capacity())
          .kv("evicted", evicted.size())
          .kv("detail", "\"oldest records folded into a timestamp floor; raise replay_memory_limit\"");
      store_.put_replay({std::string(1, static_cast<char>(replay_floor_key_byte)), replay_.floor(), 0,
                         replay_.floor_forget_at()});
    }
  }
}

void HomeAgent::on_replay_timer() {
  const WallTime wall = scheduler_.wall_now();
  const std::size_t gone = replay_.expire(wall);
  counters_.replay_records_expired += gone;
  if (gone != 0) {
    begin_store_batch();
    if (!store_batch_failed_) store_.purge_replay(wall);
  }
  replay_timer_->arm_at(scheduler_.now() + replay_purge_interval);
}

void HomeAgent::finish_pending() {
  if (flush_posted_) flush_batch();  // the posted flush then finds nothing to do
}

void HomeAgent::reconfigure(const Config& config) {
  finish_pending();
  keys_ = KeyRing(config.keys);
  // A wider window keeps every replay record as long as a replay of it
  // could pass the new window (replay_memory.hpp).
  replay_.set_window(ha_.replay_window);
  replay_.set_capacity(ha_.replay_memory_limit);
}

void HomeAgent::on_frame(const ReceivedFrame& frame) {
  ++counters_.frames_received;
  if (fenced()) return;
  Ipv6Frame f;
  switch (parse_ipv6_frame(frame.frame, f)) {
    case FrameKind::not_ipv6:
      ++counters_.frames_not_for_us;
      return;
    case FrameKind::malformed:
      ++counters_.malformed_frames;
      receive_guard_.count_malformed(f);  // RFC 6275 6.3/6.4 reasons, by name
      return;
    case FrameKind::ipv6:
      break;
  }
  if (f.chain.later_fragment) {
    ++counters_.frames_not_for_us;
    return;
  }
  if (f.chain.upper_protocol == wire::ipproto::mobility) {
    if (f.ip.dst() != ha_.address) {
      ++counters_.frames_not_for_us;
      return;
    }
    // RFC 8200 4.2/4.4 and RFC 6275 6.3/6.4/9.3.1 before acting (receive_guard.hpp).
    if (!receive_guard_.admit(Port::uplink, f, {ha_.address, std::nullopt})) return;
    on_mobility(f);
    return;
  }
  if (f.chain.upper_protocol == wire::ipproto::icmpv6) {
    // The same for the ICMPv6 the Home Agent answers: solicitations for the
    // addresses it defends, echo requests to its own.
    const auto target = solicitation_target(f);
    const bool answered = target ? answer_for(*target).has_value()
                                 : icmpv6_type(f) == wire::icmpv6_type::echo_request && f.ip.dst() == ha_.address;
    if (answered && !receive_guard_.admit(Port::uplink, f, {ha_.address, std::nullopt})) return;
    on_icmpv6(f.eth, f.ip, f.ip.packet().subspan(f.chain.upper_offset));
    return;
  }
  ++counters_.frames_not_for_us;
}

void HomeAgent::on_mobility(const Ipv6Frame& frame) {
  ++counters_.mh_received;
  wire::MobilityPacket packet;
  const wire::Errc e = wire::decode_mobility_packet(frame.ip, frame.chain, packet);
  if (e == wire::Errc::unknown_mobility_header_type) {
    // RFC 6275 9.2: answer an unknown MH type with a Binding Error, but
    // only once the checksum is verified: a corrupted message is dropped
    // silently, whatever its type byte says.
    if (!unknown_type_checksum_valid(packet)) {
      ++counters_.mh_bad_checksum;
      return;
    }
    ++counters_.mh_malformed;
    send_binding_error(frame.eth.src(), packet.ip.src(), packet.pseudo_source(),
                       wire::be_status::unrecognized_mh_type);
    return;
  }
  if (e == wire::Errc::bad_mobility_header_checksum) {
    ++counters_.mh_bad_checksum;
    return;
  }
  if (e != wire::Errc::ok) {
    ++counters_.mh_malformed;
    return;
  }
  if (packet.mh.type() == wire::mh_type::binding_revocation) {
    on_revocation_ack(packet);
    return;
  }
  if (packet.mh.type() != wire::mh_type::binding_update) {
    ++counters_.mh_ignored;
    return;
  }
  on_binding_update(frame.eth.src(), packet);
}

void HomeAgent::on_binding_update(const wire::MacAddr& from, const wire::MobilityPacket& packet) {
  ++counters_.bu_received;
  ReceivedBindingUpdate bu;
  const CheckResult check = check_binding_update(packet, keys_, bu);
  // Before anything can answer (even a refusal of its authenticator): a BU
  // naming an address no node may own gets no packet and binds nothing.
  const bool addresses_known = check.ok() || check.drop == SignallingDrop::bad_authenticator ||
                               check.drop == SignallingDrop::no_authentication ||
                               check.drop == SignallingDrop::unknown_spi;
  if (addresses_known) {
    const Unanswerable u = unanswerable(bu.source, bu.home_address, bu.care_of_address);
    if (u != Unanswerable::no) {
      const SignallingDrop drop = u == Unanswerable::source         ? SignallingDrop::unusable_source
                                  : u == Unanswerable::home_address ? SignallingDrop::unbindable_home_address
                                                                    : SignallingDrop::unusable_care_of_address;
      ++counters_.bu_dropped[static_cast<std::size_t>(drop)];
      LogRecord(log_, LogLevel::info, "bu_dropped")
          .kv("reason", name(drop))
          .kv("source", bu.source)
          .kv("hoa", bu.home_address)
          .kv("coa", bu.care_of_address);
      return;
    }
  }
  if (!check.ok()) {
    ++counters_.bu_dropped[static_cast<std::size_t>(check.drop)];
    // A host and this HA that disagree on a key are an operator's problem
    // to see at once: name the SPI, and the algorithm when the lengths say so.
    const bool keys_disagree =
        check.drop == SignallingDrop::bad_authenticator || check.drop == SignallingDrop::unknown_spi;
    LogRecord rec(log_, keys_disagree ? LogLevel::warning : LogLevel::debug, "bu_dropped");
    rec.kv("reason", name(check.drop)).kv("source", packet.ip.src());
    describe_authentication_failure(rec, check, "host");
    // RFC 4285: a BU whose authenticator fails under a known SA is refused
    // with MIPV6-AUTH-FAIL; one without authentication, or under an SPI we
    // hold no key for, cannot be answered meaningfully and is dropped.
    if (check.drop == SignallingDrop::bad_authenticator && bu.sa != nullptr) {
      RegistrationDecision d;
      d.status = wire::ba_status::mipv6_auth_fail;
      d.sequence = bu.sequence;
      d.reason = "authentication failed";
      ++counters_.bu_refused;
      ++counters_.refused_by_status[d.status];
      queue_ack(from, bu, d);
    }
    return;
  }

  RegistrationRequest request;
  request.home_address = bu.home_address;
  request.care_of_address = bu.care_of_address;
  request.sequence = bu.sequence;
  request.flags = bu.flags;
  request.lifetime_seconds = bu.lifetime_seconds;
  request.key = bu.sa->key;
  request.timestamp = bu.timestamp;
  request.link_layer_identifier = bu.link_layer_identifier;
  request.link_layer_identifier_too_long = bu.link_layer_identifier_too_long;
  const Binding* existing = cache_.find(bu.home_address);
  const RegistrationDecision decision =
      registrar_.decide(request, existing, last_accepted(bu), scheduler_.wall_now());

  // Refused (nothing was bound): outside any batch, so no rollback of
  // another BU's batch may undo it.
  if (decision.status == wire::ba_status::not_home_agent_for_this_mobile_node)
    remember_at_home(request, from, AtHomeChange::outside_batch);
  if (decision.status >= 128) {
    if (decision.replayed) ++counters_.replay_refused;
    ++counters_.bu_refused;
    ++counters_.refused_by_status[decision.status];
    LogRecord(log_, LogLevel::info, "bu_refused")
        .kv("hoa", bu.home_address)
        .kv("coa", bu.care_of_address)
        .kv("seq", bu.sequence)
        .kv("status", decision.status)
        .kv("reason", decision.reason);
    queue_ack(from, bu, decision);
    return;
  }
  ++counters_.bu_accepted;
  remember_accepted(bu, decision.change != BindingChange::deleted);
  apply(request, decision, from);
  if (decision.change == BindingChange::deleted) remember_at_home(request, from, AtHomeChange::in_batch);
  if ((bu.flags & wire::bu_flag::acknowledge) != 0) queue_ack(from, bu, decision);
}

void HomeAgent::on_revocation_ack(const wire::MobilityPacket& packet) {
  ReceivedRevocation ack;
  // The home address it is about is the one of the notice it answers.
  wire::Ip6Addr home_address;
  if (const auto br = wire::BindingRevocationView::from(packet.mh); br && br->acknowledgement()) {
    if (const auto hoa = notices_.home_address_of(br->sequence(), packet.ip.src())) {
      home_address = *hoa;
    } else {
      ++counters_.hand_over.ack_unmatched;
      return;
    }
  }
  const CheckResult check = check_binding_revocation_ack(packet, home_address, keys_, ack);
  if (!check.ok()) {
    // An Indication sent to us, or anything unsigned: nothing to act on.
    ++counters_.revocation_acks_dropped[static_cast<std::size_t>(check.drop)];
    LogRecord(log_, LogLevel::debug, "revocation_ack_dropped")
        .kv("reason", name(check.drop))
        .kv("source", packet.ip.src());
    return;
  }
  ++counters_.revocation_acks_received;
  notices_.acknowledged(ack);
}

bool HomeAgent::send_revocation(const BindingRevocationSpec& spec, std::uint32_t spi,
                                const wire::MacAddr& next_hop) {
  KeyRing::Entry* sa = keys_.find(spi);
  if (sa == nullptr) {
    ++counters_.send_failures;
    return false;
  }
  const bool sent = writer_.send_ipv6(Port::uplink, next_hop, [&](wire::MutableByteSpan buf) {
    return write_binding_revocation(buf, spec, *sa);
  });
  if (!sent) ++counters_.send_failures;
  return sent;
}

void HomeAgent::apply(const RegistrationRequest& r, const RegistrationDecision& d, const wire::MacAddr& from) {
  begin_store_batch();
  const Binding* existing = cache_.find(r.home_address);
  undo_.push_back({r.home_address, existing ? std::optional<Binding>(*existing) : std::nullopt,
                   at_home_before(r.home_address)});
  // Hand-over forwarding: the host the binding leaves learns where it went
  // (the home address itself when the guest came home: it forwards natively).
  const bool hand_over = ha_.hand_over_forwarding && existing != nullptr &&
                         existing->care_of_address != r.home_address &&
                         existing->care_of_address != r.care_of_address &&
                         (d.change == BindingChange::moved || d.change == BindingChange::deleted);
  if (hand_over) {
    const wire::Ip6Addr destination = d.change == BindingChange::deleted ? r.home_address : r.care_of_address;
    pending_notices_.push_back({r.home_address, existing->care_of_address, destination, existing->spi, from});
  }
  if (d.change == BindingChange::created) {
    // Left home: the host it ran at there (paused, holding what the home
    // link sent it) learns where it went.
    if (const auto it = at_home_.find(r.home_address); it != at_home_.end()) {
      if (ha_.hand_over_forwarding && it->second.host != r.care_of_address)
        pending_notices_.push_back(
            {r.home_address, it->second.host, r.care_of_address, it->second.spi, it->second.next_hop});
      at_home_.erase(it);
    }
  }

  if (d.change == BindingChange::deleted) {
    cache_.erase(r.home_address);
    if (hand_over)
      linger_tunnel(r.home_address);
    else
      fib_.clear_tunnel(r.home_address);
    if (!store_batch_failed_) store_.erase(r.home_address);
    ++counters_.bindings_deleted;
  } else {
    Binding b;
    b.care_of_address = r.care_of_address;
    b.expires = scheduler_.now() + d.lifetime;
    b.last_timestamp = r.timestamp.value_or(0);
    b.spi = r.key->spi;
    b.sequence = r.sequence;
    b.flags = r.flags;
    // A BU without the option keeps the tie an earlier one made.
    if (r.link_layer_identifier)
      b.link_layer_identifier = *r.link_layer_identifier;
    else if (existing != nullptr)
      b.link_layer_identifier = existing->link_layer_identifier;
    cache_.put(r.home_address, b);
    if (d.change != BindingChange::refreshed) fib_.set_tunnel({r.home_address, r.care_of_address});
    if (!store_batch_failed_) store_.put(to_stored(r.home_address, b));
    if (d.change == BindingChange::created) {
      ++counters_.bindings_created;
      schedule_announcement(r.home_address);
    } else if (d.change == BindingChange::moved) {
      ++counters_.bindings_moved;
    } else {
      ++counters_.bindings_refreshed;
    }
  }
  LogRecord(log_, d.change == BindingChange::refreshed ? LogLevel::debug : LogLevel::info, "binding_changed")
      .kv("change", name(d.change))
      .kv("hoa", r.home_address)
      .kv("coa", r.care_of_address)
      .kv("seq", r.sequence)
      .kv("lifetime", d.lifetime.count())
      .kv("key", r.key->name)
      .kv("status", d.status);
  rearm_expiry();
}

StoredBinding HomeAgent::to_stored(const wire::Ip6Addr& hoa, const Binding& b) const {
  StoredBinding s;
  s.home_address = hoa;
  s.care_of_address = b.care_of_address;
  s.expires = scheduler_.wall_now() + std::chrono::duration_cast<WallClock::duration>(b.expires - scheduler_.now());
  s.spi = b.spi;
  s.last_timestamp = b.last_timestamp;
  s.sequence = b.sequence;
  s.flags = b.flags;
  s.link_layer_identifier = b.link_layer_identifier;
  return s;
}

void HomeAgent::queue_ack(const wire::MacAddr& next_hop, const ReceivedBindingUpdate& bu,
                          const RegistrationDecision& d) {
  PendingAck ack;
  ack.sa = bu.sa;
  ack.next_hop = next_hop;
  ack.spec.home_agent = ha_.address;
  ack.spec.care_of_address = bu.source;
  ack.spec.home_address = bu.home_address;
  ack.spec.status = d.status;
  ack.spec.sequence = d.sequence;
  ack.spec.lifetime = d.lifetime;
  // RFC 4285 6: echo the accepted timestamp; on an ID mismatch, tell the
  // host our own clock so it can resynchronise.
  if (d.status == wire::ba_status::mipv6_id_mismatch) {
    ack.spec.timestamp = d.resync_timestamp != 0 ? d.resync_timestamp : to_ntp_timestamp(scheduler_.wall_now());
  } else {
    ack.spec.timestamp = bu.timestamp;
  }
  pending_acks_.push_back(ack);
  post_flush();
}

void HomeAgent::begin_store_batch() {
  post_flush();
  if (store_batch_open_) return;
  store_batch_open_ = true;
  store_batch_failed_ = false;
  try {
    store_.begin();
  } catch (const std::exception& e) {
    store_batch_failed_ = true;
    note_store_failure("begin", e.what());
  }
}

void HomeAgent::post_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  scheduler_.post([this] { flush_batch(); });
}

void HomeAgent::flush_batch() {
  flush_posted_ = false;
  if (store_batch_open_) {
    store_batch_open_ = false;
    bool committed = !store_batch_failed_;
    if (committed) {
      try {
        store_.commit();
        note_store_success();
      } catch (const std::exception& e) {
        committed = false;
        note_store_failure("commit", e.what());
      }
    }
    if (!committed) roll_back_batch();
    undo_.clear();
  }
  // A Home Agent that lost its lease sends nothing: what was committed is
  // in the store for the new leader, and the hosts retransmit to it.
  if (!pending_acks_.empty() && fenced()) pending_acks_.clear();
  for (auto& ack : pending_acks_) {
    const bool sent = writer_.send_ipv6(Port::uplink, ack.next_hop, [&](wire::MutableByteSpan buf) {
      return write_binding_ack(buf, ack.spec, *ack.sa);
    });
    if (sent) {
      ++counters_.ba_sent;
    } else {
      ++counters_.send_failures;
    }
  }
  pending_acks_.clear();
  // After the BAs: the new host hears first, then the old one starts forwarding.
  for (const auto& notice : pending_notices_) notices_.notify(notice);
  pending_notices_.clear();
  for (const auto& notice : unbatched_notices_) notices_.notify(notice);
  unbatched_notices_.clear();
}

// Once per change of state: a store that stays down (etcd without quorum)
// must not fill the log with one line a batch.
void HomeAgent::note_store_failure(const char* during, const char* error) {
  ++counters_.store_failures;
  LogRecord(log_, store_failing_ ? LogLevel::debug : LogLevel::error, "store_failure")
      .kv("during", during)
      .kv("error", error);
  store_failing_ = true;
}

void HomeAgent::note_store_success() {
  if (!store_failing_) return;
  store_failing_ = false;
  LogRecord(log_, LogLevel::info, "store_recovered").kv("failed_batches", counters_.store_failures);
}

void HomeAgent::roll_back_batch() {
  // Nothing of this batch is durable: undo it in memory and in the data
  // plane, and tell each host its registration could not be kept.
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    if (it->previous) {
      cache_.put(it->home_address, *it->previous);
      fib_.set_tunnel({it->home_address, it->previous->care_of_address});
    } else {
      cache_.erase(it->home_address);
      fib_.clear_tunnel(it->home_address);
    }
    // A guest whose leaving home is undone is still at home: the host it
    // ran at there must be told when it does leave.
    if (it->at_home) {
      at_home_[it->home_address] = *it->at_home;
    } else {
      at_home_.erase(it->home_address);
    }
  }
  for (auto& ack : pending_acks_) {
    if (ack.spec.status < 128) {
      ack.spec.status = wire::ba_status::insufficient_resources;
      ack.spec.lifetime = std::chrono::seconds(0);
    }
  }
  pending_notices_.clear();  // nothing moved
  rearm_expiry();
}

void HomeAgent::rearm_expiry() {
  const auto next = cache_.next_expiry();
  if (!next) {
    expiry_timer_->cancel();
    return;
  }
  if (!expiry_timer_->armed() || expiry_timer_->deadline() != *next) expiry_timer_->arm_at(*next);
}

void HomeAgent::on_expiry() {
  cache_.expire(scheduler_.now(), [&](const wire::Ip6Addr& hoa, const Binding& b) {
    begin_store_batch();
    undo_.push_back({hoa, b, at_home_before(hoa)});
    fib_.clear_tunnel(hoa);
    if (!store_batch_failed_) store_.erase(hoa);
    // The binding's row held its replay record; one still of use outlives it.
    const ReplayKey key = ReplayKey::for_home_address(hoa);
    if (const ReplayRecord* r = replay_.find(key); r != nullptr && r->forget_at > scheduler_.wall_now())
      persist_replay(key);
    ++counters_.bindings_expired;
    LogRecord(log_, LogLevel::info, "binding_changed")
        .kv("change", "expired")
        .kv("hoa", hoa)
        .kv("coa", b.care_of_address)
        .kv("seq", b.sequence);
  });
  rearm_expiry();
}

std::optional<NeighbourAnswer> HomeAgent::answer_for(const wire::Ip6Addr& target) const {
  const NeighbourAnswer ours{io_.mac(Port::uplink), false, true, std::nullopt, std::nullopt};
  if (target == ha_.address) return ours;
  // A home address it defends is the guest's, not ours: the answer comes
  // from our own address (RFC 6275 10.4.1, RFC 4861 7.2.4), with our MAC.
  const NeighbourAnswer proxied{io_.mac(Port::uplink), false, true, std::nullopt, ha_.address};
  if (cache_.find(target) != nullptr) return proxied;
  if (target.is_link_local()) {
    // RFC 6275 10.4.1: with the L flag, the home address's interface
    // identifier under fe80::/64 is defended too.
    for (const auto& prefix : ha_.home_prefixes) {
      wire::Ip6Addr candidate = prefix.address;
      std::copy(target.bytes.begin() + 8, target.bytes.end(), candidate.bytes.begin() + 8);
      const Binding* b = cache_.find(candidate);
      if (b != nullptr && (b->flags & wire::bu_flag::link_local_compatibility) != 0) return proxied;
    }
  }
  return std::nullopt;
}

void HomeAgent::on_icmpv6(const wire::EthernetView& eth, const wire::Ipv6View& ip, wire::ByteSpan icmp) {
  if (icmp.empty()) {
    ++counters_.malformed_frames;
    return;
  }
  if (icmp[0] == wire::icmpv6_type::neighbour_solicitation) {
    const auto outcome = answer_neighbour_solicitation(
        writer_, Port::uplink, eth, ip, icmp, [this](const wire::Ip6Addr& t) { return answer_for(t); });
    if (outcome == NsOutcome::answered) ++counters_.ns_answered;
    if (outcome == NsOutcome::send_failed) ++counters_.send_failures;
    if (outcome == NsOutcome::invalid) ++counters_.malformed_frames;
    return;
  }
  if (icmp[0] == wire::icmpv6_type::echo_request && ip.dst() == ha_.address) {
    const auto msg = wire::parse_icmpv6(ip, icmp);
    if (!msg) {
      ++counters_.malformed_frames;
      return;
    }
    const auto echo = wire::EchoView::parse(*msg);
    if (!echo) return;
    const bool sent = writer_.send_ipv6(Port::uplink, eth.src(), [&](wire::MutableByteSpan buf) {
      return wire::write_echo_reply(buf, {.src = ha_.address, .dst = ip.src()}, echo->identifier(),
                                    echo->sequence(), echo->data());
    });
    if (sent) ++counters_.echo_replies;
    return;
  }
  ++counters_.frames_not_for_us;
}

void HomeAgent::send_binding_error(const wire::MacAddr& to, const wire::Ip6Addr& source,
                                   const wire::Ip6Addr& hoa, std::uint8_t status) {
  // RFC 6275 9.3.3: never to a source that is not a unicast address (a
  // forged source must not make the HA multicast on the home link).
  if (source.is_unspecified() || source.is_multicast()) return;
  if (!receive_guard_.allow_error_message()) return;
  const bool sent = writer_.send_ipv6(Port::uplink, to, [&](wire::MutableByteSpan buf) -> wire::Result<std::size_t> {
    wire::MobilityPacketWriter pw(buf, {.src = ha_.address, .dst = source});
    pw.mh().begin_binding_error({.status = status, .home_address = hoa});
    return pw.finish();
  });
  if (sent) {
    ++counters_.be_sent;
  } else {
    ++counters_.send_failures;
  }
}

void HomeAgent::remember_at_home(const RegistrationRequest& r, const wire::MacAddr& from, AtHomeChange change) {
  // A deregistration from a foreign site (a guest stopped there) says
  // nothing about home; only hosts on a home link are remembered.
  if (r.lifetime_seconds != 0 || r.key == nullptr || !on_home_link(r.care_of_address) ||
      r.care_of_address == r.home_address)
    return;
  // Moved from one host at home to another: the one it left holds what the
  // home link sent it while it was paused, and now sends it on natively.
  auto& notices = change == AtHomeChange::in_batch ? pending_notices_ : unbatched_notices_;
  if (const auto it = at_home_.find(r.home_address);
      it != at_home_.end() && ha_.hand_over_forwarding && it->second.host != r.care_of_address)
    notices.push_back({r.home_address, it->second.host, r.home_address, it->second.spi, it->second.next_hop});
  const AtHome now{r.care_of_address, r.key->spi, from};
  at_home_[r.home_address] = now;
  if (change == AtHomeChange::outside_batch) {
    // A rollback of the open batch restores what it changed, not this.
    for (auto& undo : undo_)
      if (undo.home_address == r.home_address) undo.at_home = now;
  }
}

std::optional<HomeAgent::AtHome> HomeAgent::at_home_before(const wire::Ip6Addr& home_address) const {
  const auto it = at_home_.find(home_address);
  return it == at_home_.end() ? std::nullopt : std::optional<AtHome>(it->second);
}

bool HomeAgent::on_home_link(const wire::Ip6Addr& address) const {
  return std::any_of(ha_.home_prefixes.begin(), ha_.home_prefixes.end(),
                     [&](const auto& prefix) { return prefix.contains(address); });
}

void HomeAgent::linger_tunnel(const wire::Ip6Addr& home_address) {
  lingering_tunnels_.push_back({scheduler_.now() + tunnel_linger, home_address});
  if (!linger_timer_->armed()) linger_timer_->arm_at(lingering_tunnels_.front().until);
}

void HomeAgent::on_linger_timer() {
  const TimePoint now = scheduler_.now();
  while (!lingering_tunnels_.empty() && lingering_tunnels_.front().until <= now) {
    const wire::Ip6Addr hoa = lingering_tunnels_.front().home_address;
    lingering_tunnels_.pop_front();
    if (cache_.find(hoa) == nullptr) fib_.clear_tunnel(hoa);  // not bound again meanwhile
  }
  if (!lingering_tunnels_.empty()) linger_timer_->arm_at(lingering_tunnels_.front().until);
}

void HomeAgent::schedule_announcement(const wire::Ip6Addr& home_address) {
  // Due now: first in line (the queue stays in due order, every other entry
  // is due now or later), and the timer must fire now even while it waits
  // for another binding's next announcement, up to a second away.
  const TimePoint now = scheduler_.now();
  announcements_.push_front({now, home_address, neighbour_advertisements});
  if (!announce_timer_->armed() || announce_timer_->deadline() > now) announce_timer_->arm_at(now);
}

void HomeAgent::on_announcement_timer() {
  const TimePoint now = scheduler_.now();
  const NeighbourAnswer ours{io_.mac(Port::uplink), false, true, std::nullopt, std::nullopt};
  while (!announcements_.empty() && announcements_.front().due <= now) {
    Announcement a = announcements_.front();
    announcements_.pop_front();
    if (a.home_address != ha_.address && cache_.find(a.home_address) == nullptr) continue;  // gone meanwhile
    if (fenced()) {
      announcements_.clear();
      return;
    }
    if (announce_neighbour(writer_, Port::uplink, ha_.address, a.home_address, ours)) {
      ++counters_.na_announced;
    } else {
      ++counters_.send_failures;
    }
    if (--a.remaining > 0) {
      a.due = now + announcement_spacing;
      announcements_.push_back(a);
    }
  }
  if (!announcements_.empty()) announce_timer_->arm_at(announcements_.front().due);
}

}  // namespace roam6::mip6d::ha
