#pragma once
// Reassembly of IPv6 packets that arrive in fragments addressed to this node
// (RFC 8200 4.5): in practice tunnel packets whose entry point fragmented the
// outer packet (RFC 2473 7.1 (b)), which must be whole before they can be
// decapsulated. DPDK's ip_frag library does the work (rte_ip_frag_tbl,
// rte_ipv6_frag_reassemble_packet), one table per core: no lock, and memory
// bounded by ReassemblySettings::packets (each at most
// RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments). A packet not complete within
// ReassemblySettings::timeout_ms of its first fragment is abandoned.
//
// What DPDK 22.11 reassembles correctly, and so all this accepts: a Fragment
// header right after the fixed IPv6 header (no Hop-by-Hop or Routing header
// in front of it), a non-empty fragment, a packet of at most 65535 bytes.
// Anything else is dropped. An atomic fragment (offset 0, M clear, RFC 6946)
// is a whole packet: its Fragment header is removed and it goes on alone.
// The whole packet comes back as one contiguous mbuf (DPDK returns a chain,
// which is linearised into the first fragment's buffer; a packet larger than
// that buffer is dropped), Ethernet header from the first fragment, the
// Fragment header removed.
//
// All storage is allocated by the constructor (DPDK memory); add/expire do
// not allocate.

#include <rte_ip_frag.h>

#include <cstdint>

#include "datapath/elements/frame_classifier.hpp"
#include "datapath/pipeline/pipeline_settings.hpp"

struct rte_mbuf;

namespace roam6::datapath {

class Reassembler {
 public:
  // `tsc_hz`: the rate of the clock the now_tsc arguments count in.
  // packets == 0: no table, every fragment is dropped.
  // Throws std::runtime_error when DPDK cannot create the table.
  Reassembler(const ReassemblySettings& settings, std::uint64_t tsc_hz);
  ~Reassembler();
  Reassembler(const Reassembler&) = delete;
  Reassembler& operator=(const Reassembler&) = delete;

  struct Outcome {
    rte_mbuf* packet = nullptr;   // the whole packet, when this fragment completed it
    std::uint32_t fragments = 0;  // how many fragments it was made of
    // Fragments dropped during this call: this one, or earlier ones of a
    // packet that turned out inconsistent or had expired.
    std::uint32_t dropped = 0;
  };

  // Takes m, a fragment (frame.fragment) addressed to this node, classified
  // from m's contiguous data.
  [[nodiscard]] Outcome add(rte_mbuf* m, const ClassifiedFrame& frame,
                            std::uint64_t now_tsc) noexcept;

  // Abandons the packets whose first fragment came more than the timeout
  // before now_tsc. `expired(const rte_mbuf*)` sees each of their fragments
  // (Ethernet frame as received) before it is freed. Returns how many.
  template <class Expired>
  std::uint32_t expire(std::uint64_t now_tsc, Expired&& expired) noexcept {
    std::uint32_t dropped = 0;
    while (collect_expired(now_tsc) != 0) {
      for (std::uint32_t i = 0; i < death_row_.cnt; ++i) {
        expired(static_cast<const rte_mbuf*>(death_row_.row[i]));
        dropped += segments(death_row_.row[i]);
      }
      free_death_row();
    }
    return dropped;
  }

 private:
  static std::uint32_t segments(const rte_mbuf* m) noexcept;
  // Moves the fragments of expired packets to the death row (as many as it
  // holds); returns how many mbufs are on it.
  std::uint32_t collect_expired(std::uint64_t now_tsc) noexcept;
  // Frees what the table put on the death row; returns how many mbufs.
  std::uint32_t free_death_row() noexcept;
  Outcome whole_atomic_fragment(rte_mbuf* m) noexcept;

  rte_ip_frag_tbl* table_ = nullptr;
  rte_ip_frag_death_row death_row_{};
};

}  // namespace roam6::datapath
