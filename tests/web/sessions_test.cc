#include "server/web/sessions.h"

#include "gtest/gtest.h"

namespace bestand {
namespace {

class SessionsTest : public ::testing::Test {
 protected:
  SessionStore Store(size_t max_sessions = 10000) {
    SessionOptions options;
    options.max_sessions = max_sessions;
    return SessionStore(options, [this] { return now_; });
  }
  Principal Who(const std::string& name) {
    Principal p;
    p.token_id = 7;
    p.token_name = name;
    p.role = v1::VIEWER;
    return p;
  }
  absl::Time now_ = absl::FromUnixSeconds(1798675200);
};

TEST_F(SessionsTest, IdsAreRandomAndEachSessionHasItsOwnCsrfToken) {
  SessionStore store = Store();
  auto a = store.Create(Who("a"));
  auto b = store.Create(Who("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE(a->size(), 43u);  // 256 bits
  EXPECT_NE(*a, *b);
  auto sa = store.Find(*a);
  auto sb = store.Find(*b);
  ASSERT_TRUE(sa && sb);
  EXPECT_EQ(sa->principal.token_name, "a");
  EXPECT_NE(sa->csrf_token, sb->csrf_token);
  EXPECT_NE(sa->csrf_token, *a);
  EXPECT_FALSE(store.Find("").has_value());
  EXPECT_FALSE(store.Find(*a + "x").has_value());
}

TEST_F(SessionsTest, ThirtyMinutesIdleEndsASession) {
  SessionStore store = Store();
  auto id = store.Create(Who("a"));
  ASSERT_TRUE(id.ok());
  now_ += absl::Minutes(29);
  EXPECT_TRUE(store.Find(*id).has_value());  // and is used again: the idle time restarts
  now_ += absl::Minutes(29);
  EXPECT_TRUE(store.Find(*id).has_value());
  now_ += absl::Minutes(30) + absl::Seconds(1);
  EXPECT_FALSE(store.Find(*id).has_value());
  now_ += absl::Seconds(1);
  EXPECT_FALSE(store.Find(*id).has_value());  // ended for good
}

TEST_F(SessionsTest, TwelveHoursEndASessionHoweverBusy) {
  SessionStore store = Store();
  auto id = store.Create(Who("a"));
  ASSERT_TRUE(id.ok());
  for (int i = 0; i < 47; ++i) {
    now_ += absl::Minutes(15);
    ASSERT_TRUE(store.Find(*id).has_value()) << i;
  }
  now_ += absl::Minutes(15) + absl::Seconds(1);  // 12 h and a second after sign-in
  EXPECT_FALSE(store.Find(*id).has_value());
}

TEST_F(SessionsTest, SignOutEndsOnlyThatSession) {
  SessionStore store = Store();
  auto a = store.Create(Who("a"));
  auto b = store.Create(Who("a"));
  ASSERT_TRUE(a.ok() && b.ok());
  store.End(*a);
  EXPECT_FALSE(store.Find(*a).has_value());
  EXPECT_TRUE(store.Find(*b).has_value());
}

TEST_F(SessionsTest, TheNumberOfSessionsIsBounded) {
  SessionStore store = Store(3);
  auto first = store.Create(Who("1"));
  now_ += absl::Seconds(1);
  std::vector<std::string> later;
  for (int i = 0; i < 3; ++i) {
    auto id = store.Create(Who("n"));
    ASSERT_TRUE(id.ok());
    later.push_back(*id);
    now_ += absl::Seconds(1);
  }
  EXPECT_EQ(store.size(), 3u);
  EXPECT_FALSE(store.Find(*first).has_value());  // the longest idle went first
  for (const std::string& id : later) EXPECT_TRUE(store.Find(id).has_value());
  // Ended sessions make room before anyone is pushed out.
  now_ += absl::Hours(1);
  ASSERT_TRUE(store.Create(Who("x")).ok());
  EXPECT_EQ(store.size(), 1u);
}

}  // namespace
}  // namespace bestand
