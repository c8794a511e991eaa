// DKIM-Signature and tag-list parsing and formatting (RFC 6376 §3.2, §3.5), with the errors a
// verifier reports.
#include "mailauth/dkim/signature.h"

#include <gtest/gtest.h>

#include "mailauth/dkim/header_selection.h"
#include "mailauth/dkim/tag_list.h"

namespace outpost::mailauth::dkim {
namespace {

const std::string kBh = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";

std::string valid(const std::string& extra = "") {
  return " v=1; a=rsa-sha256; c=relaxed/simple; d=Example.org; s=sel;\r\n\th=From : To:\r\n "
         "Subject; bh=" +
         kBh + "; b=dGVz\r\n dA==;" + extra;
}

TEST(DkimTagList, ParsesFwsAroundNamesAndValuesAndKeepsOffsets) {
  const std::string text = " a = 1 ;\r\n\tb=two words ; c=;";
  auto tags = parseTagList(text);
  ASSERT_TRUE(tags.ok()) << tags.error().message;
  ASSERT_EQ(tags->tags().size(), 3U);
  EXPECT_EQ(tags->find("a")->value, "1");
  EXPECT_EQ(tags->find("b")->value, "two words");
  EXPECT_EQ(tags->find("c")->value, "");
  const Tag& b = *tags->find("b");
  EXPECT_EQ(text.substr(b.value_begin, b.value_end - b.value_begin), "two words");
  EXPECT_EQ(tags->find("B"), nullptr);  // names are case-sensitive
}

TEST(DkimTagList, RejectsDuplicatesMissingEqualsBadNamesAndEmptySpecs) {
  EXPECT_NE(parseTagList("a=1; a=2").error().message.find("more than once"), std::string::npos);
  EXPECT_NE(parseTagList("a=1; junk").error().message.find("no '='"), std::string::npos);
  EXPECT_NE(parseTagList("1a=1").error().message.find("invalid tag name"), std::string::npos);
  EXPECT_FALSE(parseTagList("a=1;; b=2").ok());
  EXPECT_FALSE(parseTagList(std::string("a=x\x01y")).ok());
  EXPECT_TRUE(parseTagList("a=1;  \r\n ").ok());
  EXPECT_TRUE(parseTagList("").ok());
}

TEST(DkimTagList, FormatsPairsInOrder) {
  EXPECT_EQ(formatTagList({{"v", "DKIM1"}, {"k", "rsa"}}), "v=DKIM1; k=rsa;");
}

TEST(DkimSignature, ParsesEveryTag) {
  auto sig =
      parseSignature(valid(" i=news@Mail.EXAMPLE.org; l=10; q=dns/txt; t=100; x=200; "
                           "z=From:a@b"));
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->algorithm, KeyAlgorithm::kRsaSha256);
  EXPECT_EQ(sig->header_canonicalization, Canonicalization::kRelaxed);
  EXPECT_EQ(sig->body_canonicalization, Canonicalization::kSimple);
  EXPECT_EQ(sig->domain, "Example.org");
  EXPECT_EQ(sig->selector, "sel");
  EXPECT_EQ(sig->signed_headers, (std::vector<std::string>{"From", "To", "Subject"}));
  EXPECT_EQ(sig->signature, "test");
  EXPECT_EQ(sig->body_hash.size(), 32U);
  EXPECT_EQ(sig->identity, "news@Mail.EXAMPLE.org");
  EXPECT_EQ(sig->body_length, 10U);
  EXPECT_EQ(sig->timestamp, 100U);
  EXPECT_EQ(sig->expiration, 200U);
  EXPECT_EQ(sig->copied_headers, "From:a@b");
}

TEST(DkimSignature, AppliesDefaults) {
  auto sig = parseSignature("v=1; a=ed25519-sha256; d=example.org; s=s; h=from; bh=" + kBh +
                            "; b=dGVzdA==");
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->algorithm, KeyAlgorithm::kEd25519Sha256);
  EXPECT_EQ(sig->header_canonicalization, Canonicalization::kSimple);
  EXPECT_EQ(sig->body_canonicalization, Canonicalization::kSimple);
  EXPECT_EQ(sig->effectiveIdentity(), "@example.org");
  EXPECT_FALSE(sig->timestamp || sig->expiration || sig->body_length);
  auto header_only = parseSignature(
      "v=1; a=rsa-sha256; c=relaxed; d=example.org; s=s; h=from; "
      "bh=" +
      kBh + "; b=dGVzdA==");
  ASSERT_TRUE(header_only.ok());
  EXPECT_EQ(header_only->header_canonicalization, Canonicalization::kRelaxed);
  EXPECT_EQ(header_only->body_canonicalization, Canonicalization::kSimple);
}

struct BadSignature {
  std::string value;
  std::string reason;  // part of the error message
};

TEST(DkimSignature, ExplainsEachError) {
  const std::string ok_tail = "; d=example.org; s=s; h=from; bh=" + kBh + "; b=dGVzdA==";
  const std::vector<BadSignature> cases = {
      {"a=rsa-sha256" + ok_tail, "no v= tag"},
      {"v=2; a=rsa-sha256" + ok_tail, "only version 1"},
      {"v=1" + ok_tail, "no a= tag"},
      {"v=1; a=rsa-sha1" + ok_tail, "RFC 8301"},
      {"v=1; a=dsa-sha256" + ok_tail, "unknown algorithm"},
      {"v=1; a=rsa-sha256; c=fancy/simple" + ok_tail, "c=fancy/simple"},
      {"v=1; a=rsa-sha256; d=example.org; s=s; h=from; bh=" + kBh, "no b= tag"},
      {"v=1; a=rsa-sha256; d=example.org; s=s; h=from; bh=" + kBh + "; b=!!!!", "b= is empty"},
      {"v=1; a=rsa-sha256; d=example.org; s=s; h=from; b=dGVzdA==", "no bh= tag"},
      {"v=1; a=rsa-sha256; d=example.org; s=s; h=from; bh=dGVzdA==; b=dGVzdA==", "32"},
      {"v=1; a=rsa-sha256; s=s; h=from; bh=" + kBh + "; b=dGVzdA==", "no d= tag"},
      {"v=1; a=rsa-sha256; d=example.org; s=s; h=to:subject; bh=" + kBh + "; b=dGVzdA==",
       "does not include From"},
      {"v=1; a=rsa-sha256; d=example.org; h=from; bh=" + kBh + "; b=dGVzdA==", "no s= tag"},
      {"v=1; a=rsa-sha256; i=a@example.com" + ok_tail, "not within d=example.org"},
      {"v=1; a=rsa-sha256; i=a@badexample.org" + ok_tail, "not within"},
      {"v=1; a=rsa-sha256; l=ten" + ok_tail, "l=ten is not a number"},
      {"v=1; a=rsa-sha256; t=200; x=100" + ok_tail, "before it was made"},
      {"v=1; a=rsa-sha256; q=http" + ok_tail, "query method"},
      {"v=1; v=1; a=rsa-sha256" + ok_tail, "more than once"},
  };
  for (const auto& bad : cases) {
    auto sig = parseSignature(bad.value);
    ASSERT_FALSE(sig.ok()) << bad.value;
    EXPECT_EQ(sig.error().code, kSignatureSyntax);
    EXPECT_FALSE(sig.error().temporary);
    EXPECT_NE(sig.error().message.find(bad.reason), std::string::npos)
        << bad.value << " -> " << sig.error().message;
  }
}

TEST(DkimSignature, BlanksOnlyTheValueOfB) {
  const std::string field = "DKIM-Signature:" + valid() + "\r\n";
  auto blank = blankSignatureValue(field);
  ASSERT_TRUE(blank.ok()) << blank.error().message;
  EXPECT_EQ(*blank,
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=Example.org; s=sel;"
            "\r\n\th=From : To:\r\n Subject; bh=" +
                kBh + "; b=;\r\n");
  // bh= is not b=.
  auto only_bh = blankSignatureValue("DKIM-Signature: bh=abc; b=xyz");
  ASSERT_TRUE(only_bh.ok());
  EXPECT_EQ(*only_bh, "DKIM-Signature: bh=abc; b=");
  EXPECT_FALSE(blankSignatureValue("DKIM-Signature: bh=abc").ok());
}

TEST(DkimSignature, FormatsLikeGoMsgauthAndParsesBack) {
  Signature sig;
  sig.algorithm = KeyAlgorithm::kEd25519Sha256;
  sig.domain = "football.example.com";
  sig.selector = "brisbane";
  sig.signed_headers = {"From", "To", "Subject", "Date", "Message-ID"};
  sig.timestamp = 424242;
  sig.body_hash = std::string(32, 'x');
  const std::string unsigned_field = formatSignature(sig);
  EXPECT_EQ(unsigned_field,
            "DKIM-Signature: a=ed25519-sha256; bh=eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg=;"
            "\r\n c=simple/simple; d=football.example.com;\r\n h=From:To:Subject:Date:Message-ID;"
            " s=brisbane; t=424242; v=1;\r\n b=\r\n");
  sig.signature = std::string(64, 's');
  sig.expiration = 500000;
  const std::string field = formatSignature(sig);
  for (const std::string_view line : {std::string_view(field)}) EXPECT_TRUE(line.ends_with("\r\n"));
  std::size_t start = 0;
  while (start < field.size()) {
    const std::size_t end = field.find("\r\n", start);
    EXPECT_LE(end - start, 82U);
    start = end + 2;
  }
  auto parsed = parseSignature(field.substr(field.find(':') + 1));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->signature, sig.signature);
  EXPECT_EQ(parsed->body_hash, sig.body_hash);
  EXPECT_EQ(parsed->expiration, 500000U);
  EXPECT_EQ(parsed->signed_headers, sig.signed_headers);
  auto blank = blankSignatureValue(field);
  ASSERT_TRUE(blank.ok());
  sig.signature.clear();
  EXPECT_EQ(*blank, formatSignature(sig));
}

TEST(DkimSignature, FoldsLongHeaderListsBeforeColons) {
  Signature sig;
  sig.domain = "example.org";
  sig.selector = "s";
  sig.body_hash = std::string(32, 'x');
  sig.signature = std::string(256, 's');
  sig.signed_headers = {"from",
                        "from",
                        "to",
                        "to",
                        "subject",
                        "subject",
                        "date",
                        "date",
                        "message-id",
                        "mime-version",
                        "content-type",
                        "content-transfer-encoding",
                        "list-unsubscribe",
                        "list-unsubscribe-post"};
  const std::string field = formatSignature(sig);
  std::size_t start = 0;
  while (start < field.size()) {
    const std::size_t end = field.find("\r\n", start);
    EXPECT_LE(end - start, 78U) << field.substr(start, end - start);
    start = end + 2;
  }
  auto parsed = parseSignature(field.substr(field.find(':') + 1));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->signed_headers, sig.signed_headers);
}

TEST(DkimHeaderSelection, SplitsFoldedFieldsAndFindsTheBody) {
  const std::string message = "From: a\r\nSubject: one\r\n\ttwo\r\nTo : b\r\n\r\nbody\r\n";
  auto split = splitMessage(message);
  ASSERT_TRUE(split.ok());
  ASSERT_EQ(split->fields.size(), 3U);
  EXPECT_EQ(split->fields[1].name, "Subject");
  EXPECT_EQ(split->fields[1].raw, "Subject: one\r\n\ttwo\r\n");
  EXPECT_EQ(split->fields[2].name, "To");
  EXPECT_EQ(split->body, "body\r\n");
  auto header_only = splitMessage("From: a\r\n");
  ASSERT_TRUE(header_only.ok());
  EXPECT_EQ(header_only->fields.size(), 1U);
  EXPECT_EQ(header_only->body, "");
  EXPECT_FALSE(splitMessage(" folded first\r\nFrom: a\r\n\r\n").ok());
  EXPECT_FALSE(splitMessage("From: a\r\nno colon here\r\n\r\n").ok());
}

TEST(DkimHeaderSelection, PicksTheLastInstanceFirstAndNullWhenExhausted) {
  auto split = splitMessage("Received: 1\r\nFrom: a\r\nreceived: 2\r\nRECEIVED: 3\r\n\r\n");
  ASSERT_TRUE(split.ok());
  const auto picked =
      selectHeaders(split->fields, {"Received", "from", "received", "Received", "Received", "To"});
  ASSERT_EQ(picked.size(), 6U);
  EXPECT_EQ(picked[0]->raw, "RECEIVED: 3\r\n");
  EXPECT_EQ(picked[1]->raw, "From: a\r\n");
  EXPECT_EQ(picked[2]->raw, "received: 2\r\n");
  EXPECT_EQ(picked[3]->raw, "Received: 1\r\n");
  EXPECT_EQ(picked[4], nullptr);
  EXPECT_EQ(picked[5], nullptr);
  EXPECT_EQ(headerHashInput(split->fields, {"from", "from", "received"}, Canonicalization::kRelaxed,
                            "DKIM-Signature: a=1;\r\n b=\r\n"),
            "from:a\r\nreceived:3\r\ndkim-signature:a=1; b=");
}

}  // namespace
}  // namespace outpost::mailauth::dkim
