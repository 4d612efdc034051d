#include "datapath/table/table_memory.hpp"

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <sys/mman.h>

#include <cstdint>
#include <new>
#include <utility>

#include "datapath/dpdk/eal.hpp"

namespace roam6::datapath {
namespace {

constexpr std::size_t huge_page = std::size_t{2} << 20;

// Small arrays are not worth a hugepage (nor an EAL element): one page of
// their own is fine.
constexpr std::size_t eal_threshold = std::size_t{64} << 10;

bool eal_has_hugepages() noexcept {
  // rte_malloc needs an initialised EAL; one started some other way than
  // ensure_eal just means the mapping below is used.
  return eal_ready() && rte_eal_has_hugepages() != 0;
}

}  // namespace

ZeroedMemory::ZeroedMemory(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  bytes_ = bytes;
  if (bytes >= eal_threshold && eal_has_hugepages()) {
    data_ = rte_zmalloc_socket(nullptr, bytes, RTE_CACHE_LINE_SIZE, SOCKET_ID_ANY);
    if (data_ != nullptr) {
      origin_ = Origin::eal;
      return;
    }
  }
  // Over-map by one hugepage so the array can start on a 2 MiB boundary,
  // where transparent hugepages can back it.
  const bool large = bytes >= huge_page;
  mapping_bytes_ = large ? bytes + huge_page : bytes;
  mapping_ = ::mmap(nullptr, mapping_bytes_, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapping_ == MAP_FAILED) {
    mapping_ = nullptr;
    throw std::bad_alloc();
  }
  origin_ = Origin::mapping;
  auto start = reinterpret_cast<std::uintptr_t>(mapping_);
  if (large) {
    start = (start + huge_page - 1) & ~(huge_page - 1);
    // Advice only: a kernel without THP leaves 4 KiB pages, which still work.
    (void)::madvise(reinterpret_cast<void*>(start), bytes, MADV_HUGEPAGE);
  }
  data_ = reinterpret_cast<void*>(start);
}

ZeroedMemory::~ZeroedMemory() { release(); }

bool ZeroedMemory::populate(std::size_t offset, std::size_t bytes) const noexcept {
  if (origin_ != Origin::mapping || offset >= bytes_ || bytes == 0) return origin_ != Origin::none;
  if (bytes > bytes_ - offset) bytes = bytes_ - offset;
  const std::uintptr_t page = 4096;
  const auto from = (reinterpret_cast<std::uintptr_t>(data_) + offset) & ~(page - 1);
  const auto to = reinterpret_cast<std::uintptr_t>(data_) + offset + bytes;
#ifdef MADV_POPULATE_WRITE
  return ::madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE) == 0;
#else
  (void)from;
  (void)to;
  return false;
#endif
}

ZeroedMemory::ZeroedMemory(ZeroedMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_bytes_(std::exchange(other.mapping_bytes_, 0)),
      bytes_(std::exchange(other.bytes_, 0)),
      origin_(std::exchange(other.origin_, Origin::none)) {}

ZeroedMemory& ZeroedMemory::operator=(ZeroedMemory&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapping_bytes_ = std::exchange(other.mapping_bytes_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
    origin_ = std::exchange(other.origin_, Origin::none);
  }
  return *this;
}

void ZeroedMemory::release() noexcept {
  if (origin_ == Origin::eal) rte_free(data_);
  if (origin_ == Origin::mapping) ::munmap(mapping_, mapping_bytes_);
  data_ = nullptr;
  mapping_ = nullptr;
  mapping_bytes_ = 0;
  bytes_ = 0;
  origin_ = Origin::none;
}

}  // namespace roam6::datapath
