// Makes test CAs and server certificates with OpenSSL (see test_certificates.h).
#include "support/test_certificates.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

namespace outpost::test {
namespace {

EVP_PKEY* newKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

void addExtension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) throw std::runtime_error("bad extension " + value);
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

// A certificate for `key`, named `common_name`, signed by issuer_key (issuer == nullptr: self).
X509* makeCertificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                      EVP_PKEY* issuer_key, long not_before_days, long not_after_days, bool ca,
                      const std::string& alt_names) {
  X509* certificate = X509_new();
  X509_set_version(certificate, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(certificate), not_before_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(certificate), not_after_days * 86400);
  X509_set_pubkey(certificate, key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("outpost tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer != nullptr ? issuer : certificate;
  X509_set_issuer_name(certificate, X509_get_subject_name(signer));
  addExtension(certificate, signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  addExtension(certificate, signer, NID_key_usage,
               ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  addExtension(certificate, signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) addExtension(certificate, signer, NID_authority_key_identifier, "keyid");
  if (!ca) addExtension(certificate, signer, NID_ext_key_usage, "serverAuth");
  if (!alt_names.empty()) addExtension(certificate, signer, NID_subject_alt_name, alt_names);
  if (X509_sign(certificate, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    X509_free(certificate);
    throw std::runtime_error("X509_sign failed");
  }
  return certificate;
}

void writeCertificate(const std::string& path, X509* certificate) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) throw std::runtime_error("cannot write " + path);
  PEM_write_X509(file, certificate);
  std::fclose(file);
}

void writeKey(const std::string& path, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) throw std::runtime_error("cannot write " + path);
  PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
}

}  // namespace

TestCertificateAuthority::TestCertificateAuthority(std::string folder, std::string name)
    : folder_(std::move(folder)), ca_file_(folder_ + "/ca.pem") {
  EVP_PKEY* key = newKey();
  X509* certificate = makeCertificate(key, name, nullptr, nullptr, -2, 365, true, "");
  key_ = key;
  cert_ = certificate;
  writeCertificate(ca_file_, certificate);
}

TestCertificateAuthority::~TestCertificateAuthority() {
  X509_free(static_cast<X509*>(cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

CertificateFiles TestCertificateAuthority::issue(const std::string& name,
                                                 const CertificateSpec& spec) const {
  std::string alt_names;
  for (const auto& dns : spec.dns_names)
    alt_names += (alt_names.empty() ? "" : ",") + ("DNS:" + dns);
  for (const auto& ip : spec.ip_addresses)
    alt_names += (alt_names.empty() ? "" : ",") + ("IP:" + ip);
  EVP_PKEY* key = newKey();
  X509* issuer = spec.self_signed ? nullptr : static_cast<X509*>(cert_);
  EVP_PKEY* issuer_key = spec.self_signed ? nullptr : static_cast<EVP_PKEY*>(key_);
  X509* certificate = makeCertificate(key, spec.common_name, issuer, issuer_key,
                                      spec.not_before_days, spec.not_after_days, false, alt_names);
  CertificateFiles files{folder_ + "/" + name + ".crt", folder_ + "/" + name + ".key"};
  writeCertificate(files.cert_file, certificate);
  writeKey(files.key_file, key);
  X509_free(certificate);
  EVP_PKEY_free(key);
  return files;
}

}  // namespace outpost::test
