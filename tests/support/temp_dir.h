// TempDir: a private folder for one test (certificates, peer output, logs), removed with
// everything in it when the object goes away. Header-only.
//   outpost::test::TempDir dir;  dir.path();  dir.file("ca.pem") -> "<dir>/ca.pem"
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace outpost::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "outpost-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the folder (not created).
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace outpost::test
