#include "common/args.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace bestand {
namespace {

absl::StatusOr<Args> Parse(std::vector<const char*> words) {
  words.insert(words.begin(), "prog");
  return Args::Parse(static_cast<int>(words.size()), words.data(), {"insecure"});
}

TEST(NearestTest, FindsTyposWithinAThirdOfTheWord) {
  const std::vector<std::string> flags = {"data-dir", "listen", "inventory-listen", "insecure"};
  EXPECT_EQ(Nearest("lisen", flags), "listen");       // one deleted
  EXPECT_EQ(Nearest("lsiten", flags), "listen");      // two swapped: one step
  EXPECT_EQ(Nearest("data_dir", flags), "data-dir");  // one substituted
  EXPECT_EQ(Nearest("inventroy-listen", flags), "inventory-listen");
  EXPECT_EQ(Nearest("port", flags), "");  // nothing near
  EXPECT_EQ(Nearest("dir", flags), "");   // a part is not a typo
  EXPECT_EQ(Nearest("", flags), "");
  EXPECT_EQ(Nearest("listen", {}), "");
}

TEST(NearestTest, ShortWordsAllowOneEdit) {
  const std::vector<std::string> commands = {"run", "renew", "enroll", "inventory"};
  EXPECT_EQ(Nearest("rn", commands), "run");
  EXPECT_EQ(Nearest("rnu", commands), "run");
  EXPECT_EQ(Nearest("x", commands), "");
}

TEST(OnlyFlagsTest, NamesTheUnknownFlagAndTheNearestKnownOne) {
  absl::StatusOr<Args> args = Parse({"serve", "--data-dir", "d", "--lisen", "127.0.0.1:1"});
  ASSERT_TRUE(args.ok()) << args.status();
  absl::Status s = args->OnlyFlags({"data-dir", "listen", "help"}, "serve");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "unknown option --lisen for 'serve' (did you mean --listen?)");

  s = args->OnlyFlags({"data-dir", "help"}, "init");
  EXPECT_EQ(s.message(), "unknown option --lisen for 'init'");
  args = Parse({"serve", "--data-dir", "d", "--listen", "127.0.0.1:1", "--insecure"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_TRUE(args->OnlyFlags({"data-dir", "listen", "insecure"}, "serve").ok());
}

TEST(OnlyFlagsTest, ReportsTheFirstUnknownFlagInTheOrderGiven) {
  absl::StatusOr<Args> args = Parse({"--zeta", "1", "--alpha", "2"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->OnlyFlags({}, "x").message(), "unknown option --zeta for 'x'");
}

TEST(CheckCommandLineTest, NeedsOneKnownCommandWithItsOwnOrCommonFlags) {
  const CommandTable commands = {{"serve", {"listen"}}, {"init", {}}};
  auto check = [&](std::vector<const char*> words) {
    absl::StatusOr<Args> args = Parse(words);
    return args.ok() ? CheckCommandLine(*args, commands, {"data-dir"}) : args.status();
  };
  EXPECT_TRUE(check({"serve", "--listen", "x", "--data-dir", "d"}).ok());
  EXPECT_EQ(check({"init", "--listen", "x"}).message(), "unknown option --listen for 'init'");
  EXPECT_EQ(check({"srve"}).message(), "unknown command 'srve' (did you mean serve?)");
  EXPECT_EQ(check({"serve", "now"}).message(), "'serve' takes no argument 'now'");
  EXPECT_EQ(check({}).message(), "a command is missing");
}

}  // namespace
}  // namespace bestand
