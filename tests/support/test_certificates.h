// Test helper: a throwaway certificate authority and server certificates made with OpenSSL
// (EC P-256, SHA-256) in a folder the test owns, for TLS tests against local peers. Besides
// good certificates it makes the broken ones a client must refuse: expired, not yet valid,
// for another host name, self-signed.
//
//   outpost::test::TempDir dir;
//   outpost::test::TestCertificateAuthority ca(dir.path());
//   auto good = ca.issue("relay", {});                              // localhost + 127.0.0.1
//   auto expired = ca.issue("old", {.not_before_days = -30, .not_after_days = -1});
//   auto other = ca.issue("other", {.dns_names = {"mx.other.net"}, .ip_addresses = {}});
//   auto self = ca.issue("self", {.self_signed = true});
//   // client: ca_file = ca.caFile();  peer: --cert good.cert_file --key good.key_file
//
// Errors throw std::runtime_error.
#pragma once

#include <string>
#include <vector>

namespace outpost::test {

struct CertificateFiles {
  std::string cert_file;  // PEM certificate
  std::string key_file;   // PEM private key (unencrypted)
};

struct CertificateSpec {
  std::string common_name = "localhost";
  std::vector<std::string> dns_names{"localhost"};
  std::vector<std::string> ip_addresses{"127.0.0.1"};
  long not_before_days = -1;  // relative to now
  long not_after_days = 30;
  bool self_signed = false;  // signed by its own key instead of the test CA
};

class TestCertificateAuthority {
 public:
  // Writes the CA certificate to <folder>/ca.pem.
  explicit TestCertificateAuthority(std::string folder, std::string name = "outpost test CA");
  ~TestCertificateAuthority();
  TestCertificateAuthority(const TestCertificateAuthority&) = delete;
  TestCertificateAuthority& operator=(const TestCertificateAuthority&) = delete;

  const std::string& caFile() const { return ca_file_; }
  // Writes <folder>/<name>.crt and <folder>/<name>.key.
  CertificateFiles issue(const std::string& name, const CertificateSpec& spec) const;

 private:
  std::string folder_;
  std::string ca_file_;
  void* key_ = nullptr;   // EVP_PKEY*, kept opaque so OpenSSL headers stay out of tests
  void* cert_ = nullptr;  // X509*
};

}  // namespace outpost::test
