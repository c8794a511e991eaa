// DKIM canonicalization: the simple and relaxed algorithms for header fields and for the body,
// RFC 6376 §3.4, with a streaming body hasher (SHA-256) and the l= body length limit.
// Input is untrusted message text: any bytes, any line endings, chunks split anywhere.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace outpost::mailauth::dkim {

enum class Canonicalization { kSimple, kRelaxed };

// "simple" or "relaxed", as written in c=.
std::string_view canonicalizationName(Canonicalization canonicalization);
// Parses one half of c= ("simple" / "relaxed"); nullopt for anything else.
std::optional<Canonicalization> parseCanonicalizationName(std::string_view name);

// Appends the canonical form of one header field to `out`. `field` is the whole field as it
// appears in the message ("Name: value\r\n", continuation lines included). Simple keeps the bytes;
// relaxed lower-cases the name, unfolds, collapses whitespace runs and ends with "\r\n" (§3.4.2).
void canonicalizeHeader(Canonicalization canonicalization, std::string_view field,
                        std::string& out);
std::string canonicalizeHeader(Canonicalization canonicalization, std::string_view field);

// Receives canonical body bytes in blocks (never one byte at a time).
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual void write(std::string_view block) = 0;
};

// Streaming body canonicalizer (RFC 6376 §3.4.3, §3.4.4). Chunks may split a CRLF or a
// whitespace run anywhere. A bare LF counts as a line end (it becomes CRLF), a bare CR is kept
// as an ordinary character, as go-msgauth and dkimpy do. Trailing empty lines are dropped; an
// empty body is "\r\n" for simple and "" for relaxed. Keeps only counters between chunks, so it
// is cheap to copy and move.
class BodyCanonicalizer {
 public:
  explicit BodyCanonicalizer(Canonicalization canonicalization)
      : relaxed_(canonicalization == Canonicalization::kRelaxed) {}

  void update(std::string_view chunk, BodySink& sink);
  // Emits what is still pending. Call once, after the last update().
  void finish(BodySink& sink);

  struct State {
    std::uint64_t pending_line_ends = 0;  // line ends held back: they may be trailing empty lines
    bool pending_space = false;           // relaxed: a whitespace run not yet known to be inside
    bool pending_cr = false;   // the last chunk ended with CR; the next may start with LF
    bool any_content = false;  // something other than line ends has been emitted
  };

 private:
  bool relaxed_;
  State state_;
};

using Sha256Digest = std::array<unsigned char, 32>;

// Canonicalizes a body and hashes it with SHA-256 as it streams, without keeping the body.
// `length_limit` is the signature's l= tag: only that many canonical bytes are hashed.
// Not thread-safe; one per message and signature.
class BodyHasher {
 public:
  explicit BodyHasher(Canonicalization canonicalization,
                      std::optional<std::uint64_t> length_limit = std::nullopt);

  void update(std::string_view chunk);
  // The digest of the (possibly limited) canonical body. Call once.
  Result<Sha256Digest> finish();

  // Length of the whole canonical body seen so far (also beyond an l= limit), so a verifier can
  // tell when l= claims more than the body has.
  std::uint64_t canonicalLength() const { return sink_.total; }

 private:
  struct DigestDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  struct HashSink final : BodySink {
    void write(std::string_view block) override;
    std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx;
    std::optional<std::uint64_t> limit;
    std::uint64_t total = 0;
    bool failed = false;
  };

  BodyCanonicalizer canonicalizer_;
  HashSink sink_;
};

// One-shot helper: SHA-256 of the canonical form of a whole body.
Result<Sha256Digest> hashBody(Canonicalization canonicalization, std::string_view body,
                              std::optional<std::uint64_t> length_limit = std::nullopt);

}  // namespace outpost::mailauth::dkim
