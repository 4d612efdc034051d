#pragma once
// Typed Mobility Header views for tests, checked: use as
//   BindingAckView ba;
//   ASSERT_TRUE(test::parse_as(bytes, ba));
// so a parse error fails the test instead of dereferencing an empty view
// (which the optimiser also flags under -Wnull-dereference).

#include <gtest/gtest.h>

#include "roam6/wire/mobility_header.hpp"

namespace roam6::wire::test {

template <class View>
::testing::AssertionResult parse_as(ByteSpan bytes, View& out) {
  const auto mh = MobilityHeaderView::parse(bytes);
  if (!mh) return ::testing::AssertionFailure() << describe(mh.error());
  const auto view = View::from(*mh);
  if (!view) return ::testing::AssertionFailure() << describe(view.error());
  out = *view;
  return ::testing::AssertionSuccess();
}

}  // namespace roam6::wire::test
