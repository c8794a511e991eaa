// DKIM-Signature parsing and formatting (RFC 6376 §3.5, §6.1.1; RFC 8301; RFC 8463).
// SECURITY: parsed text comes from received mail; numbers, base64 and names are all checked.
#include "mailauth/dkim/signature.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "core/text.h"
#include "mailauth/dkim/key_record.h"
#include "mailauth/dkim/tag_list.h"

namespace outpost::mailauth::dkim {
namespace {

Error syntaxError(std::string message) {
  return Error::permanentFailure(std::string(kSignatureSyntax), std::move(message));
}

std::optional<std::uint64_t> parseNumber(std::string_view text) {
  // §3.5 writes t=, x= and l= with at most 12 digits; from_chars refuses anything that does not
  // fit 64 bits, which is the limit that matters here.
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string> splitHeaderNames(std::string_view value) {
  std::vector<std::string> names;
  const std::string compact = stripWhitespace(value);
  std::size_t pos = 0;
  while (pos <= compact.size()) {
    const std::size_t colon = std::min(compact.find(':', pos), compact.size());
    names.push_back(compact.substr(pos, colon - pos));
    pos = colon + 1;
  }
  return names;
}

// go-msgauth's foldHeaderField: the text in 75-byte pieces joined by CRLF SP.
void foldInto(std::string_view text, std::string& out) {
  constexpr std::size_t kPiece = 75;
  bool first = true;
  while (!text.empty()) {
    if (!first) out.append("\r\n ");
    first = false;
    const std::size_t take = std::min(kPiece, text.size());
    out.append(text.substr(0, take));
    text.remove_prefix(take);
  }
}

}  // namespace

bool identityWithinDomain(std::string_view identity, std::string_view domain) {
  const std::size_t at = identity.rfind('@');
  if (at == std::string_view::npos) return false;
  const std::string host = lowercase(identity.substr(at + 1));
  const std::string want = lowercase(domain);
  if (host == want) return true;
  return host.size() > want.size() && host.ends_with(want) &&
         host[host.size() - want.size() - 1] == '.';
}

std::string Signature::effectiveIdentity() const {
  return identity.empty() ? "@" + domain : identity;
}

std::optional<std::string> decodeBase64Value(std::string_view text) {
  const std::string compact = stripWhitespace(text);
  if (compact.size() % 4 != 0) return std::nullopt;
  if (compact.empty()) return std::string();
  std::string out(compact.size() / 4 * 3, '\0');
  const int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(compact.data()),
                                   static_cast<int>(compact.size()));
  if (size < 0) return std::nullopt;
  std::size_t padding = 0;
  if (compact.ends_with("==")) {
    padding = 2;
  } else if (compact.ends_with('=')) {
    padding = 1;
  }
  if (compact.find('=') < compact.size() - padding) return std::nullopt;
  out.resize(static_cast<std::size_t>(size) - padding);
  return out;
}

Result<Signature> parseSignature(std::string_view value) {
  auto parsed = parseTagList(value);
  if (!parsed) {
    return syntaxError("DKIM-Signature is not a valid tag list: " + parsed.error().message);
  }
  const TagList& tags = *parsed;
  const auto required = [&](std::string_view name, std::string_view what) -> Result<std::string> {
    const Tag* tag = tags.find(name);
    if (tag == nullptr) {
      return syntaxError("DKIM-Signature has no " + std::string(name) + "= tag (" +
                         std::string(what) + ")");
    }
    return tag->value;
  };

  Signature sig;
  auto version = required("v", "the version, which must be 1");
  if (!version) return version.takeError();
  if (*version != "1") {
    return syntaxError("DKIM-Signature has v=" + *version + "; only version 1 exists");
  }

  auto algorithm = required("a", "the signing algorithm");
  if (!algorithm) return algorithm.takeError();
  const std::string algorithm_name = lowercase(*algorithm);
  if (algorithm_name == algorithmName(KeyAlgorithm::kRsaSha256)) {
    sig.algorithm = KeyAlgorithm::kRsaSha256;
  } else if (algorithm_name == algorithmName(KeyAlgorithm::kEd25519Sha256)) {
    sig.algorithm = KeyAlgorithm::kEd25519Sha256;
  } else if (algorithm_name == "rsa-sha1") {
    return syntaxError(
        "DKIM-Signature uses a=rsa-sha1, which RFC 8301 forbids; the sender must "
        "sign with rsa-sha256 or ed25519-sha256");
  } else {
    return syntaxError("DKIM-Signature has an unknown algorithm a=" + *algorithm +
                       " (known: rsa-sha256, ed25519-sha256)");
  }

  auto b = required("b", "the signature data");
  if (!b) return b.takeError();
  auto b_bytes = decodeBase64Value(*b);
  if (!b_bytes || b_bytes->empty()) {
    return syntaxError("DKIM-Signature b= is empty or not valid base64");
  }
  sig.signature = std::move(*b_bytes);

  auto bh = required("bh", "the body hash");
  if (!bh) return bh.takeError();
  auto bh_bytes = decodeBase64Value(*bh);
  if (!bh_bytes) return syntaxError("DKIM-Signature bh= is not valid base64");
  if (bh_bytes->size() != 32) {
    return syntaxError("DKIM-Signature bh= holds " + std::to_string(bh_bytes->size()) +
                       " bytes; a SHA-256 body hash has 32");
  }
  sig.body_hash = std::move(*bh_bytes);

  if (const Tag* c = tags.find("c")) {
    const std::string text = lowercase(c->value);
    const std::size_t slash = text.find('/');
    const auto header = parseCanonicalizationName(text.substr(0, slash));
    const auto body = slash == std::string::npos
                          ? std::optional<Canonicalization>(Canonicalization::kSimple)
                          : parseCanonicalizationName(text.substr(slash + 1));
    if (!header || !body) {
      return syntaxError("DKIM-Signature has c=" + c->value +
                         "; expected simple or relaxed, as header/body");
    }
    sig.header_canonicalization = *header;
    sig.body_canonicalization = *body;
  }

  auto domain = required("d", "the signing domain");
  if (!domain) return domain.takeError();
  if (domain->empty()) return syntaxError("DKIM-Signature d= is empty");
  sig.domain = std::move(*domain);

  auto headers = required("h", "the signed header fields");
  if (!headers) return headers.takeError();
  sig.signed_headers = splitHeaderNames(*headers);
  for (const std::string& name : sig.signed_headers) {
    if (name.empty()) {
      return syntaxError("DKIM-Signature h=" + *headers + " has an empty header field name");
    }
  }
  if (std::none_of(sig.signed_headers.begin(), sig.signed_headers.end(),
                   [](const std::string& name) { return equalsIgnoreCase(name, "from"); })) {
    return syntaxError("DKIM-Signature h= does not include From, which must always be signed");
  }

  if (const Tag* i = tags.find("i")) {
    if (!identityWithinDomain(i->value, sig.domain)) {
      return syntaxError("DKIM-Signature i=" + i->value + " is not within d=" + sig.domain);
    }
    sig.identity = i->value;
  }

  if (const Tag* l = tags.find("l")) {
    sig.body_length = parseNumber(l->value);
    if (!sig.body_length) return syntaxError("DKIM-Signature l=" + l->value + " is not a number");
  }

  if (const Tag* q = tags.find("q")) {
    const std::string methods = lowercase(stripWhitespace(q->value));
    bool has_dns = false;
    std::size_t pos = 0;
    while (pos <= methods.size()) {
      const std::size_t colon = std::min(methods.find(':', pos), methods.size());
      if (methods.compare(pos, colon - pos, "dns/txt") == 0) has_dns = true;
      pos = colon + 1;
    }
    if (!has_dns) {
      return syntaxError("DKIM-Signature q=" + q->value +
                         " names no query method outpost knows "
                         "(dns/txt)");
    }
  }

  auto selector = required("s", "the selector");
  if (!selector) return selector.takeError();
  if (selector->empty()) return syntaxError("DKIM-Signature s= is empty");
  sig.selector = std::move(*selector);

  if (const Tag* t = tags.find("t")) {
    sig.timestamp = parseNumber(t->value);
    if (!sig.timestamp) return syntaxError("DKIM-Signature t=" + t->value + " is not a number");
  }
  if (const Tag* x = tags.find("x")) {
    sig.expiration = parseNumber(x->value);
    if (!sig.expiration) return syntaxError("DKIM-Signature x=" + x->value + " is not a number");
    if (sig.timestamp && *sig.expiration < *sig.timestamp) {
      return syntaxError("DKIM-Signature expires (x=" + x->value +
                         ") before it was made (t=" + tags.find("t")->value + ")");
    }
  }
  if (const Tag* z = tags.find("z")) sig.copied_headers = z->value;
  return sig;
}

Result<std::string> blankSignatureValue(std::string_view field) {
  const std::size_t colon = field.find(':');
  if (colon == std::string_view::npos) return syntaxError("DKIM-Signature field has no ':'");
  std::string_view value = field.substr(colon + 1);
  if (value.ends_with("\r\n")) value.remove_suffix(2);
  auto tags = parseTagList(value);
  if (!tags) return syntaxError("DKIM-Signature is not a valid tag list: " + tags.error().message);
  const Tag* b = tags->find("b");
  if (b == nullptr) return syntaxError("DKIM-Signature has no b= tag (the signature data)");
  std::string out(field.substr(0, colon + 1 + b->value_begin));
  out.append(field.substr(colon + 1 + b->value_end));
  return out;
}

std::string formatSignature(const Signature& signature) {
  std::vector<std::pair<std::string, std::string>> tags;
  tags.emplace_back("a", std::string(algorithmName(signature.algorithm)));
  tags.emplace_back("bh", encodeBase64(signature.body_hash));
  tags.emplace_back("c", std::string(canonicalizationName(signature.header_canonicalization)) +
                             "/" +
                             std::string(canonicalizationName(signature.body_canonicalization)));
  tags.emplace_back("d", signature.domain);
  std::string headers;
  for (const std::string& name : signature.signed_headers) {
    if (!headers.empty()) headers.push_back(':');
    headers.append(name);
  }
  tags.emplace_back("h", std::move(headers));
  if (!signature.identity.empty()) tags.emplace_back("i", signature.identity);
  if (signature.body_length) tags.emplace_back("l", std::to_string(*signature.body_length));
  tags.emplace_back("s", signature.selector);
  if (signature.timestamp) tags.emplace_back("t", std::to_string(*signature.timestamp));
  tags.emplace_back("v", "1");
  if (signature.expiration) tags.emplace_back("x", std::to_string(*signature.expiration));
  if (!signature.copied_headers.empty()) tags.emplace_back("z", signature.copied_headers);

  // go-msgauth's formatHeaderParams: a tag starts a new line when the line would pass 75.
  std::string out(kSignatureFieldName);
  out.push_back(':');
  std::string line;
  for (const auto& [name, value] : tags) {
    if (3 + line.size() + name.size() + value.size() > 75) {
      out.append(line).append("\r\n");
      line.clear();
    }
    if (name == "h" && 3 + name.size() + value.size() > 75) {
      // A long h= (oversigning makes it long) is folded before a colon, which §3.5 allows.
      line = " h=";
      std::string_view rest = value;
      while (!rest.empty()) {
        const std::size_t colon = std::min(rest.find(':', 1), rest.size());
        if (line.size() + colon > 75 && line.size() > 3) {
          out.append(line).append("\r\n");
          line = " ";
        }
        line.append(rest.substr(0, colon));
        rest.remove_prefix(colon);
      }
      line.append(";");
      continue;
    }
    line.append(" ").append(name).append("=").append(value).append(";");
  }
  out.append(line).append("\r\n");
  foldInto(" b=" + encodeBase64(signature.signature), out);
  out.append("\r\n");
  return out;
}

}  // namespace outpost::mailauth::dkim
