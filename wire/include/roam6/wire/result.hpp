#pragma once
// Result<T>: a value or an Errc, without exceptions or allocation, so the same
// parsers run in the datapath's poll loop and in the control plane.
// (std::expected is C++23 and not usable with clang-14's libstdc++ support.)

#include <cassert>
#include <type_traits>
#include <utility>

#include "roam6/wire/errors.hpp"

namespace roam6::wire {

template <class T>
class [[nodiscard]] Result {
  static_assert(std::is_trivially_destructible_v<T> || std::is_nothrow_move_constructible_v<T>);

 public:
  Result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit by design
      : value_(std::move(value)), error_(Errc::ok) {}
  Result(Errc error) noexcept : value_(), error_(error) {  // NOLINT: implicit by design
    assert(error != Errc::ok);
  }

  [[nodiscard]] bool ok() const noexcept { return error_ == Errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] Errc error() const noexcept { return error_; }

  [[nodiscard]] const T& value() const& noexcept {
    assert(ok());
    return value_;
  }
  [[nodiscard]] T& value() & noexcept {
    assert(ok());
    return value_;
  }
  [[nodiscard]] T&& value() && noexcept {
    assert(ok());
    return std::move(value_);
  }
  const T& operator*() const& noexcept { return value(); }
  T& operator*() & noexcept { return value(); }
  const T* operator->() const noexcept { return &value(); }
  T* operator->() noexcept { return &value(); }

 private:
  T value_;
  Errc error_;
};

// Propagate an error from an expression returning Result<...> or Errc.
#define ROAM6_TRY_ERRC(expr)                                   \
  do {                                                         \
    if (const ::roam6::wire::Errc roam6_e_ = (expr); roam6_e_ != ::roam6::wire::Errc::ok) \
      return roam6_e_;                                         \
  } while (false)

}  // namespace roam6::wire
