// DKIM canonicalization (RFC 6376 §3.4). The body path is the hot one: runs of text that pass
// through unchanged are found 16 bytes at a time (SSE2; 8 with plain 64-bit words elsewhere) and
// handed on as whole spans, so SHA-256 sees large blocks and most bytes are never copied.
#include "mailauth/dkim/canonicalization.h"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace outpost::mailauth::dkim {
namespace {

constexpr bool isWsp(char c) { return c == ' ' || c == '\t'; }

// Byte classes for the body scanner: 0 = ordinary, 1 = special for both algorithms (CR, LF),
// 2 = special for relaxed only (SP, HTAB).
constexpr std::array<unsigned char, 256> kByteClass = [] {
  std::array<unsigned char, 256> table{};
  table['\r'] = 1;
  table['\n'] = 1;
  table[' '] = 2;
  table['\t'] = 2;
  return table;
}();

template <bool kRelaxed>
constexpr bool isOrdinary(char c) {
  const unsigned char cls = kByteClass[static_cast<unsigned char>(c)];
  return kRelaxed ? cls == 0 : cls != 1;
}

// Collects canonical output in a stack buffer and hands it to the sink in blocks; long input
// spans go straight to the sink without a copy.
class BlockWriter {
 public:
  explicit BlockWriter(BodySink& sink) : sink_(sink) {}
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;
  ~BlockWriter() { flush(); }

  void put(char c) {
    if (used_ == buffer_.size()) flush();
    buffer_[used_++] = c;
  }
  void putLineEnd() {
    if (used_ + 2 > buffer_.size()) flush();
    buffer_[used_++] = '\r';
    buffer_[used_++] = '\n';
  }
  void putSpan(std::string_view span) {
    if (span.size() >= kDirectSpan) {
      flush();
      sink_.write(span);
      return;
    }
    if (used_ + span.size() > buffer_.size()) flush();
    std::memcpy(buffer_.data() + used_, span.data(), span.size());
    used_ += span.size();
  }
  void flush() {
    if (used_ == 0) return;
    sink_.write(std::string_view(buffer_.data(), used_));
    used_ = 0;
  }

 private:
  static constexpr std::size_t kDirectSpan = 256;
  BodySink& sink_;
  std::array<char, 8192> buffer_;
  std::size_t used_ = 0;
};

using State = BodyCanonicalizer::State;

// Emits what was held back once it is known not to be trailing: the line ends, then the single
// space a relaxed whitespace run becomes.
void releasePending(State& state, BlockWriter& out) {
  for (; state.pending_line_ends > 0; --state.pending_line_ends) out.putLineEnd();
  if (state.pending_space) {
    out.put(' ');
    state.pending_space = false;
  }
  state.any_content = true;
}

void lineEnd(State& state) {
  state.pending_space = false;  // whitespace at the end of a line is dropped (relaxed)
  ++state.pending_line_ends;
}

// Block scanning: a bit mask of the bytes in a block that need the byte-by-byte path: CR, LF
// and, for relaxed, HTAB and every space that is followed by whitespace or a line break or that
// ends the block (it might start a run that continues in the next block).
#if defined(__SSE2__)
constexpr std::size_t kBlock = 16;

template <bool kRelaxed>
std::uint32_t specialBytes(const char* data) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data));
  const __m128i line_ends = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('\r')),
                                         _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n')));
  if constexpr (!kRelaxed) {
    return static_cast<std::uint32_t>(_mm_movemask_epi8(line_ends));
  } else {
    const auto breaks = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_or_si128(line_ends, _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\t')))));
    const auto spaces =
        static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' '))));
    return breaks | (spaces & ((spaces | breaks) >> 1)) | (spaces & 0x8000U);
  }
}

std::size_t firstSpecial(std::uint32_t mask) {
  return static_cast<std::size_t>(std::countr_zero(mask));
}
#else
constexpr std::size_t kBlock = 8;
constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
// The high bit of each byte is set exactly where `word` holds `c`.
constexpr std::uint64_t bytesEqual(std::uint64_t word, unsigned char c) {
  const std::uint64_t v = word ^ (kOnes * c);
  return ~(((v & kLow7) + kLow7) | v | kLow7);
}

template <bool kRelaxed>
std::uint64_t specialBytes(const char* data) {
  std::uint64_t word = 0;
  std::memcpy(&word, data, sizeof word);
  if constexpr (std::endian::native != std::endian::little) {
    word = ((word & 0x00000000ffffffffULL) << 32) | (word >> 32);
    word = ((word & 0x0000ffff0000ffffULL) << 16) | ((word >> 16) & 0x0000ffff0000ffffULL);
    word = ((word & 0x00ff00ff00ff00ffULL) << 8) | ((word >> 8) & 0x00ff00ff00ff00ffULL);
  }
  const std::uint64_t line_ends = bytesEqual(word, '\r') | bytesEqual(word, '\n');
  if constexpr (!kRelaxed) {
    return line_ends;
  } else {
    const std::uint64_t breaks = line_ends | bytesEqual(word, '\t');
    const std::uint64_t spaces = bytesEqual(word, ' ');
    return breaks | (spaces & ((spaces | breaks) >> 8)) | (spaces & (1ULL << 63));
  }
}

std::size_t firstSpecial(std::uint64_t mask) {
  return static_cast<std::size_t>(std::countr_zero(mask)) / 8;
}
#endif

// End of a run of bytes that pass through unchanged, starting at `pos` (the byte before it is
// ordinary). Single spaces between words and CRLFs between non-empty lines stay inside the run.
// Whole blocks are checked at once; only the bytes the block scan flags are looked at one by one.
template <bool kRelaxed>
std::size_t scanRun(std::string_view in, std::size_t pos) {
  const std::size_t size = in.size();
  const char* data = in.data();
  while (pos < size) {
    if (pos + kBlock <= size) {
      const auto special = specialBytes<kRelaxed>(data + pos);
      if (special == 0) {
        pos += kBlock;
        continue;
      }
      pos += firstSpecial(special);
    }
    const char c = data[pos];
    if (isOrdinary<kRelaxed>(c)) {
      ++pos;
    } else if (kRelaxed && c == ' ' && pos + 1 < size && isOrdinary<kRelaxed>(data[pos + 1])) {
      pos += 2;
    } else if (c == '\r' && pos + 2 < size && data[pos + 1] == '\n' &&
               isOrdinary<kRelaxed>(data[pos + 2])) {
      pos += 3;
    } else {
      break;
    }
  }
  return pos;
}

template <bool kRelaxed>
void canonicalizeChunk(State& state, std::string_view in, BlockWriter& out) {
  std::size_t pos = 0;
  const std::size_t size = in.size();
  if (state.pending_cr && size > 0) {
    state.pending_cr = false;
    if (in[0] == '\n') {
      lineEnd(state);
      pos = 1;
    } else {
      releasePending(state, out);
      out.put('\r');
    }
  }
  while (pos < size) {
    const char c = in[pos];
    if (isOrdinary<kRelaxed>(c)) {
      releasePending(state, out);
      const std::size_t end = scanRun<kRelaxed>(in, pos + 1);
      out.putSpan(in.substr(pos, end - pos));
      pos = end;
      continue;
    }
    switch (c) {
      case '\n':
        lineEnd(state);
        ++pos;
        break;
      case '\r':
        if (pos + 1 == size) {
          state.pending_cr = true;
          ++pos;
        } else if (in[pos + 1] == '\n') {
          lineEnd(state);
          pos += 2;
        } else {
          releasePending(state, out);
          out.put('\r');
          ++pos;
        }
        break;
      default:  // SP or HTAB, relaxed only
        state.pending_space = true;
        ++pos;
        break;
    }
  }
}

}  // namespace

std::string_view canonicalizationName(Canonicalization canonicalization) {
  return canonicalization == Canonicalization::kSimple ? "simple" : "relaxed";
}

std::optional<Canonicalization> parseCanonicalizationName(std::string_view name) {
  if (name == "simple") return Canonicalization::kSimple;
  if (name == "relaxed") return Canonicalization::kRelaxed;
  return std::nullopt;
}

void canonicalizeHeader(Canonicalization canonicalization, std::string_view field,
                        std::string& out) {
  if (canonicalization == Canonicalization::kSimple) {
    out.append(field);
    return;
  }
  const std::size_t colon = field.find(':');
  std::string_view name = field.substr(0, colon);
  while (!name.empty() && isWsp(name.back())) name.remove_suffix(1);
  for (const char c : name) {
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  out.push_back(':');
  if (colon != std::string_view::npos) {
    // Unfolding removes the CRLFs; every whitespace run becomes one space, none at either end.
    bool pending_space = false;
    bool started = false;
    for (const char c : field.substr(colon + 1)) {
      if (c == '\r' || c == '\n') continue;
      if (isWsp(c)) {
        pending_space = started;
        continue;
      }
      if (pending_space) out.push_back(' ');
      pending_space = false;
      started = true;
      out.push_back(c);
    }
  }
  out.append("\r\n");
}

std::string canonicalizeHeader(Canonicalization canonicalization, std::string_view field) {
  std::string out;
  out.reserve(field.size() + 2);
  canonicalizeHeader(canonicalization, field, out);
  return out;
}

void BodyCanonicalizer::update(std::string_view chunk, BodySink& sink) {
  BlockWriter out(sink);
  if (relaxed_) {
    canonicalizeChunk<true>(state_, chunk, out);
  } else {
    canonicalizeChunk<false>(state_, chunk, out);
  }
}

void BodyCanonicalizer::finish(BodySink& sink) {
  BlockWriter out(sink);
  if (state_.pending_cr) {
    state_.pending_cr = false;
    releasePending(state_, out);
    out.put('\r');
  }
  // Held-back line ends are trailing empty lines: one CRLF ends the last line, whether or not
  // the body had it. An empty body stays empty (relaxed) or is one CRLF (simple).
  if (state_.any_content || !relaxed_) out.putLineEnd();
  state_ = State{};
}

void BodyHasher::HashSink::write(std::string_view block) {
  total += block.size();
  if (limit) {
    const std::uint64_t hashed = total - block.size();
    if (hashed >= *limit) return;
    block = block.substr(
        0, static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), *limit - hashed)));
  }
  if (EVP_DigestUpdate(ctx.get(), block.data(), block.size()) != 1) failed = true;
}

BodyHasher::BodyHasher(Canonicalization canonicalization, std::optional<std::uint64_t> length_limit)
    : canonicalizer_(canonicalization) {
  sink_.ctx.reset(EVP_MD_CTX_new());
  sink_.limit = length_limit;
  // EVP_sha256() makes OpenSSL 3.0 look the digest up in its provider store, under locks, at
  // every init; fetched once, that cost is paid once per process.
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!sink_.ctx ||
      EVP_DigestInit_ex(sink_.ctx.get(), sha256 != nullptr ? sha256 : EVP_sha256(), nullptr) != 1) {
    sink_.failed = true;
  }
}

void BodyHasher::update(std::string_view chunk) {
  if (!sink_.failed) canonicalizer_.update(chunk, sink_);
}

Result<Sha256Digest> BodyHasher::finish() {
  if (!sink_.failed) canonicalizer_.finish(sink_);
  Sha256Digest digest{};
  unsigned int size = 0;
  if (sink_.failed || EVP_DigestFinal_ex(sink_.ctx.get(), digest.data(), &size) != 1 ||
      size != digest.size()) {
    return Error::temporaryFailure("dkim.hash", "SHA-256 of the message body failed in OpenSSL");
  }
  return digest;
}

Result<Sha256Digest> hashBody(Canonicalization canonicalization, std::string_view body,
                              std::optional<std::uint64_t> length_limit) {
  BodyHasher hasher(canonicalization, length_limit);
  hasher.update(body);
  return hasher.finish();
}

}  // namespace outpost::mailauth::dkim
