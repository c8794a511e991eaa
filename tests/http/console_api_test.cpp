// The embedded web console: its pages under a strict Content-Security-Policy, its hashed files
// cached for good (and gzipped for browsers), and the console's own routes answered with
// index.html so that a reload keeps the page.
#include "api_test_fixture.h"
#include "http/console_assets.h"

namespace outpost::http::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ConsolePages : public ApiTest {
 protected:
  // The path of the console's main script, whatever its hash.
  static std::string scriptPath() {
    for (std::size_t i = 0; i < kConsoleAssetCount; ++i) {
      std::string_view path = kConsoleAssets[i].path;
      if (path.starts_with("/assets/") && path.ends_with(".js")) return std::string(path);
    }
    return "";
  }
};

TEST_F(ConsolePages, TheConsoleIsServedWithAPolicyThatRunsOnlyItsOwnScripts) {
  Reply page = get("/", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.header("Content-Type"), StartsWith("text/html"));
  EXPECT_THAT(page.body, HasSubstr(scriptPath()));
  const std::string policy = page.header("Content-Security-Policy");
  EXPECT_THAT(policy, HasSubstr("script-src 'self'"));
  EXPECT_THAT(policy, HasSubstr("object-src 'none'"));
  EXPECT_THAT(policy, HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
  EXPECT_EQ(page.header("Cache-Control"), "no-cache");
  // No inline script for the policy to forbid.
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
}

TEST_F(ConsolePages, TheConsolesRoutesAnswerItsPageSoAReloadKeepsThem) {
  Reply root = get("/", "");
  for (const char* path : {"/sent", "/messages/01JABC", "/domains/example.com/dkim", "/login"}) {
    Reply page = get(path, "");
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.body, root.body) << path;
  }
}

TEST_F(ConsolePages, HashedFilesAreCachedForGoodAndGzippedForBrowsers) {
  const std::string script = scriptPath();
  ASSERT_FALSE(script.empty());
  Reply plain = get(script, "");
  ASSERT_EQ(plain.status, 200);
  EXPECT_THAT(plain.header("Content-Type"), StartsWith("text/javascript"));
  EXPECT_EQ(plain.header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_TRUE(plain.header("Content-Encoding").empty());

  Reply gzipped = call({bhttp::verb::get, script, "", "", {{"Accept-Encoding", "gzip, br"}}});
  ASSERT_EQ(gzipped.status, 200);
  EXPECT_EQ(gzipped.header("Content-Encoding"), "gzip");
  EXPECT_LT(gzipped.body.size(), plain.body.size() / 2);
  ASSERT_GE(gzipped.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gzipped.body[0]), 0x1f);  // the gzip magic number
  EXPECT_EQ(static_cast<unsigned char>(gzipped.body[1]), 0x8b);
}

TEST_F(ConsolePages, AMissingFileIsNotFoundAndTheApiStaysTheApi) {
  EXPECT_EQ(get("/assets/index-gone.js", "").status, 404);
  Reply api = get("/api/v1/nothing-here", admin_key_);
  EXPECT_EQ(api.status, 404);
  EXPECT_THAT(api.header("Content-Type"), StartsWith("application/json"));
  EXPECT_EQ(post("/", "", "").status, 405);
}

}  // namespace
}  // namespace outpost::http::test
