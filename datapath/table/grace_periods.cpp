#include "datapath/table/grace_periods.hpp"

#include <thread>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "datapath/table/binding_table.hpp"

namespace roam6::datapath {

GracePeriods::GracePeriods(std::uint32_t max_readers)
    : max_readers_(max_readers), registered_(max_readers, false) {
  const std::size_t size = rte_rcu_qsbr_get_memsize(max_readers);
  if (size == 1)  // rte_rcu_qsbr_get_memsize's error value
    throw BindingTableError("rte_rcu_qsbr_get_memsize(" + std::to_string(max_readers) +
                            "): " + rte_strerror(rte_errno));
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("roam6_binding_qsbr", size, RTE_CACHE_LINE_SIZE));
  if (!qsbr_) throw BindingTableError("rte_zmalloc for the rcu qsbr variable failed");
  if (rte_rcu_qsbr_init(qsbr_, max_readers) != 0) {
    const std::string reason = rte_strerror(rte_errno);
    rte_free(qsbr_);
    throw BindingTableError("rte_rcu_qsbr_init: " + reason);
  }
}

GracePeriods::~GracePeriods() { rte_free(qsbr_); }

unsigned GracePeriods::register_reader() {
  const std::lock_guard lock(registration_mutex_);
  for (unsigned reader = 0; reader < max_readers_; ++reader) {
    if (registered_[reader]) continue;
    if (rte_rcu_qsbr_thread_register(qsbr_, reader) != 0)
      throw BindingTableError("rte_rcu_qsbr_thread_register: " +
                              std::string(rte_strerror(rte_errno)));
    rte_rcu_qsbr_thread_online(qsbr_, reader);
    registered_[reader] = true;
    return reader;
  }
  throw BindingTableError("binding table: all " + std::to_string(max_readers_) +
                          " reader slots are taken");
}

void GracePeriods::unregister_reader(unsigned reader) {
  const std::lock_guard lock(registration_mutex_);
  if (reader >= max_readers_ || !registered_[reader])
    throw BindingTableError("binding table: reader " + std::to_string(reader) +
                            " is not registered");
  rte_rcu_qsbr_thread_offline(qsbr_, reader);
  (void)rte_rcu_qsbr_thread_unregister(qsbr_, reader);
  registered_[reader] = false;
}

void GracePeriods::quiescent(unsigned reader) noexcept {
  if (reader < max_readers_) [[likely]]
    rte_rcu_qsbr_quiescent(qsbr_, reader);
}

std::uint64_t GracePeriods::start() noexcept { return rte_rcu_qsbr_start(qsbr_); }

bool GracePeriods::has_passed(std::uint64_t token) noexcept {
  return rte_rcu_qsbr_check(qsbr_, token, false) == 1;
}

bool GracePeriods::wait(std::uint64_t token, std::chrono::nanoseconds limit) noexcept {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (has_passed(token)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // Readers quiesce once per burst: microseconds. Yield between checks:
    // a reader may share this core (tests, small machines) and must run.
    for (int i = 0; i < 64; ++i) rte_pause();
    std::this_thread::yield();
  }
}

}  // namespace roam6::datapath
