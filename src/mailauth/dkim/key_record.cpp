// DKIM key record parsing and formatting (RFC 6376 §3.2 tag lists, §3.6.1 key records; RFC 8463
// §4). SECURITY: the record text comes from DNS: lengths, characters and base64 are all checked
// before OpenSSL sees any byte of it.
#include "mailauth/dkim/key_record.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "mailauth/dkim/tag_list.h"

namespace outpost::mailauth::dkim {
namespace {

Error syntaxError(std::string message) {
  return Error::permanentFailure(std::string(kKeySyntax), std::move(message));
}

bool isWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && isWhitespace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isWhitespace(text.back())) text.remove_suffix(1);
  return text;
}

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// A colon-separated list (h=, s=): its items, trimmed.
std::vector<std::string> splitList(std::string_view value) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t end = value.find(':', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view item = trim(value.substr(start, end - start));
    if (!item.empty()) items.emplace_back(item);
    start = end + 1;
  }
  return items;
}

std::string withoutWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (!isWhitespace(c)) out.push_back(c);
  }
  return out;
}

// Strict RFC 4648 base64 (whitespace already removed): padding required, as RFC 6376 writes it.
Result<std::string> decodeBase64(const std::string& text) {
  auto is_base64 = [](char c) { return isAlpha(c) || isDigit(c) || c == '+' || c == '/'; };
  std::size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
    } else if (!is_base64(c) || padding > 0) {
      return Error::permanentFailure(
          std::string(kKeyData),
          "p= is not valid base64 (it holds \"" + std::string(1, c) +
              "\"): copy the key again, without quotes or line-continuation characters");
    }
  }
  if (padding > 2 || text.size() % 4 != 0) {
    return Error::permanentFailure(
        std::string(kKeyData),
        "p= is not valid base64: its length is not a multiple of 4, so part of the key is "
        "probably missing (was it cut off when the record was split into strings?)");
  }
  std::string out(text.size() / 4 * 3, '\0');
  int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (written < 0) {
    return Error::permanentFailure(std::string(kKeyData), "p= is not valid base64");
  }
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

Error keyDataError(std::string message) {
  return Error::permanentFailure(std::string(kKeyData), std::move(message));
}

}  // namespace

std::string_view keyTypeName(KeyType type) { return type == KeyType::kRsa ? "rsa" : "ed25519"; }

KeyHandle adoptKey(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

bool KeyRecord::allowsHash(std::string_view hash) const {
  return hash_algorithms.empty() ||
         std::find(hash_algorithms.begin(), hash_algorithms.end(), hash) != hash_algorithms.end();
}

bool KeyRecord::allowsEmail() const {
  return std::any_of(service_types.begin(), service_types.end(),
                     [](const std::string& s) { return s == "*" || s == "email"; });
}

Result<KeyType> keyTypeOf(const EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "RSA")) return KeyType::kRsa;
  if (EVP_PKEY_is_a(&key, "ED25519")) return KeyType::kEd25519;
  return Error::permanentFailure(std::string(kKeyType), std::string("the key is a ") +
                                                            EVP_PKEY_get0_type_name(&key) +
                                                            " key; DKIM keys are RSA or Ed25519");
}

Result<KeyHandle> decodePublicKey(KeyType type, std::string_view der) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  if (type == KeyType::kEd25519) {
    if (der.size() != 32) {
      return keyDataError("p= holds " + std::to_string(der.size()) +
                          " bytes, but an Ed25519 key record holds the raw 32-byte public key "
                          "(RFC 8463), not a SubjectPublicKeyInfo");
    }
    KeyHandle key =
        adoptKey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes, der.size()));
    if (!key) return keyDataError("p= does not hold a usable Ed25519 public key");
    return key;
  }
  const unsigned char* cursor = bytes;
  KeyHandle key = adoptKey(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size())));
  if (!key || cursor != bytes + der.size()) {
    // Some publishers put the bare PKCS#1 RSAPublicKey in p=; verifiers accept it.
    cursor = bytes;
    key = adoptKey(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, static_cast<long>(der.size())));
    if (!key || cursor != bytes + der.size()) {
      return keyDataError(
          "p= is base64 but does not hold an RSA public key: publish the public key "
          "(SubjectPublicKeyInfo, the part between BEGIN/END PUBLIC KEY), not the private key");
    }
  }
  if (!EVP_PKEY_is_a(key.get(), "RSA")) {
    return Error::permanentFailure(std::string(kKeyType), std::string("p= holds a ") +
                                                              EVP_PKEY_get0_type_name(key.get()) +
                                                              " key, but the record says k=rsa");
  }
  return key;
}

bool samePublicKey(const EVP_PKEY& a, const EVP_PKEY& b) { return EVP_PKEY_eq(&a, &b) == 1; }

Result<KeyRecord> parseKeyRecord(std::string_view text) {
  // RFC 6376 §3.6.1 keeps key records to printable ASCII; a curly quote or a non-breaking space
  // is the usual sign of a record pasted through a word processor.
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    return syntaxError(
        "the record holds a character that is not allowed (only printable ASCII): retype the "
        "record instead of pasting it from a word processor");
  }
  // RFC 6376 §3.2, shared with the signature's parser; its errors become this record's.
  auto parsed = parseTagList(text);
  if (!parsed) return syntaxError("the record is not a valid tag list: " + parsed.error().message);
  const std::vector<Tag>* tags = &parsed->tags();
  KeyRecord record;
  std::optional<std::string> public_key;
  for (std::size_t i = 0; i < tags->size(); ++i) {
    const Tag& tag = (*tags)[i];
    if (tag.name == "v") {
      if (i != 0) {
        return syntaxError("v=DKIM1 must be the first tag of the record: move it to the front");
      }
      if (tag.value != "DKIM1") {
        return syntaxError("the record says v=" + tag.value +
                           ", but a DKIM key record must say v=DKIM1 (check the separators: "
                           "tags are separated by ';')");
      }
    } else if (tag.name == "k") {
      if (tag.value == "rsa") {
        record.type = KeyType::kRsa;
      } else if (tag.value == "ed25519") {
        record.type = KeyType::kEd25519;
      } else {
        return Error::permanentFailure(
            std::string(kKeyType),
            "the record says k=" + tag.value + ": the key type must be k=rsa or k=ed25519");
      }
    } else if (tag.name == "h") {
      record.hash_algorithms = splitList(tag.value);
    } else if (tag.name == "s") {
      record.service_types = splitList(tag.value);
    } else if (tag.name == "t") {
      // Unknown flags are ignored (§3.6.1).
      for (const std::string& flag : splitList(tag.value)) {
        if (flag == "y") record.testing = true;
        if (flag == "s") record.strict_identity = true;
      }
    } else if (tag.name == "n") {
      record.notes = tag.value;
    } else if (tag.name == "p") {
      public_key = withoutWhitespace(tag.value);
    }
  }
  if (!public_key) {
    return syntaxError(
        "the record has no p= tag, so it holds no key: publish the whole record outpost shows, "
        "starting with v=DKIM1");
  }
  record.public_key_base64 = std::move(*public_key);
  if (record.revoked()) return record;
  auto der = decodeBase64(record.public_key_base64);
  if (!der) return der.takeError();
  auto key = decodePublicKey(record.type, *der);
  if (!key) return key.takeError();
  record.public_key = std::move(*key);
  record.key_bits = EVP_PKEY_get_bits(record.public_key.get());
  return record;
}

std::string encodeBase64(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

Result<std::string> formatKeyRecord(const EVP_PKEY& key) {
  auto type = keyTypeOf(key);
  if (!type) return type.takeError();
  std::string bytes;
  if (*type == KeyType::kEd25519) {
    std::size_t size = 32;
    bytes.resize(size);
    if (EVP_PKEY_get_raw_public_key(&key, reinterpret_cast<unsigned char*>(bytes.data()), &size) !=
        1) {
      return keyDataError("the Ed25519 public key could not be read");
    }
    bytes.resize(size);
  } else {
    unsigned char* der = nullptr;
    int size = i2d_PUBKEY(&key, &der);
    if (size <= 0) return keyDataError("the RSA public key could not be encoded");
    bytes.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
  }
  return "v=DKIM1; k=" + std::string(keyTypeName(*type)) + "; p=" + encodeBase64(bytes);
}

std::vector<std::string> splitTxtStrings(std::string_view record, std::size_t max_octets) {
  std::vector<std::string> strings;
  do {
    std::size_t size = std::min(record.size(), max_octets);
    strings.emplace_back(record.substr(0, size));
    record.remove_prefix(size);
  } while (!record.empty());
  return strings;
}

std::string zoneFileTxt(std::string_view record) {
  std::string out;
  for (const std::string& piece : splitTxtStrings(record)) {
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : piece) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

}  // namespace outpost::mailauth::dkim
