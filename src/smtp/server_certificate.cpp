#include "smtp/server_certificate.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace outpost::smtp {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* pointer) const { Free(pointer); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertificatePtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

Error failure(const std::string& what) {
  return Error::permanentFailure("tls.certificate",
                                 "cannot make a self-signed certificate: " + what);
}

// Writes through a file created with mode 0600, so the private key is never readable by others,
// not even for a moment.
Result<void> writePem(const std::string& path, bool private_key, EVP_PKEY* key, X509* certificate) {
  const std::string temporary = path + ".tmp";
  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (descriptor < 0) return failure("cannot create " + temporary);
  FILE* file = fdopen(descriptor, "w");
  if (file == nullptr) {
    ::close(descriptor);
    return failure("cannot open " + temporary);
  }
  const int written = private_key
                          ? PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr)
                          : PEM_write_X509(file, certificate);
  const bool synced = fflush(file) == 0 && fsync(fileno(file)) == 0;
  const bool closed = fclose(file) == 0;
  if (written != 1 || !synced || !closed) return failure("cannot write " + temporary);
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return failure("cannot rename " + temporary + ": " + error.message());
  return success();
}

}  // namespace

Result<void> ensureSelfSignedCertificate(const std::string& certificate_path,
                                         const std::string& key_path, const std::string& hostname) {
  std::error_code error;
  if (std::filesystem::exists(certificate_path, error) &&
      std::filesystem::exists(key_path, error)) {
    return success();
  }
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return failure("key generation failed");
  CertificatePtr certificate(X509_new());
  if (!certificate) return failure("out of memory");
  X509_set_version(certificate.get(), 2);
  // A random serial: two certificates from two first starts must not look like the same one.
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return failure("no random serial number");
  serial[0] &= 0x7f;  // a positive INTEGER
  BIGNUM* serial_number = BN_bin2bn(serial, sizeof serial, nullptr);
  ASN1_INTEGER* asn1_serial = BN_to_ASN1_INTEGER(serial_number, nullptr);
  BN_free(serial_number);
  X509_set_serialNumber(certificate.get(), asn1_serial);
  ASN1_INTEGER_free(asn1_serial);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 2L * 365 * 24 * 3600);
  X509_set_pubkey(certificate.get(), key.get());
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("outpost (self-signed)"), -1,
                             -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  const std::string alt_name = "DNS:" + hostname;
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, alt_name},
                                   {NID_basic_constraints, "critical,CA:FALSE"},
                                   {NID_ext_key_usage, "serverAuth"}}) {
    ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
    if (!extension || X509_add_ext(certificate.get(), extension.get(), -1) != 1) {
      return failure("cannot add the " + std::string(OBJ_nid2sn(nid)) + " extension");
    }
  }
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) == 0) return failure("signing failed");
  if (auto written = writePem(key_path, true, key.get(), nullptr); !written) return written;
  return writePem(certificate_path, false, nullptr, certificate.get());
}

}  // namespace outpost::smtp
