#include "core/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace outpost {
namespace {

std::string temporaryFolder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "outpost-secret-XXXXXX").string();
  return mkdtemp(pattern.data());
}

TEST(SecretBox, CreatesAPrivateMasterKeyOnFirstUseAndReusesIt) {
  const std::string folder = temporaryFolder();
  auto first = SecretBox::openDataDir(folder);
  ASSERT_TRUE(first.ok()) << first.error().message;
  struct stat info {};
  ASSERT_EQ(stat((folder + "/master.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string sealed = first->seal("relay-password");
  EXPECT_EQ(sealed.find("relay-password"), std::string::npos);
  auto second = SecretBox::openDataDir(folder);
  ASSERT_TRUE(second.ok());
  auto opened = second->open(sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "relay-password");
  std::filesystem::remove_all(folder);
}

TEST(SecretBox, RefusesSecretsSealedWithAnotherKeyOrTamperedWith) {
  const std::string one = temporaryFolder(), two = temporaryFolder();
  auto box_one = SecretBox::openDataDir(one);
  auto box_two = SecretBox::openDataDir(two);
  ASSERT_TRUE(box_one.ok() && box_two.ok());
  std::string sealed = box_one->seal("secret");
  auto foreign = box_two->open(sealed);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, "secret.corrupt");
  sealed[sealed.size() - 3] = sealed[sealed.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box_one->open(sealed).ok());
  EXPECT_FALSE(box_one->open("plain text").ok());
  std::filesystem::remove_all(one);
  std::filesystem::remove_all(two);
}

TEST(SecretBox, DerivesADifferentKeyPerPurpose) {
  const SecretBox box(std::string(32, 'k'));
  EXPECT_EQ(box.deriveKey("verp").size(), 32u);
  EXPECT_EQ(box.deriveKey("verp"), box.deriveKey("verp"));
  EXPECT_NE(box.deriveKey("verp"), box.deriveKey("dkim"));
  EXPECT_NE(box.deriveKey("verp"), SecretBox(std::string(32, 'j')).deriveKey("verp"));
}

}  // namespace
}  // namespace outpost
