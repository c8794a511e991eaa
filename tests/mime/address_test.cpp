// Mailbox parsing and RFC 5321 address validation, with the messages a user sees.
#include "mime/address.h"

#include <gtest/gtest.h>

#include <string>

namespace outpost::mime {
namespace {

struct ValidCase {
  std::string input;
  std::string display_name;
  std::string address;
};

class ParseMailboxAccepts : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ParseMailboxAccepts, NameAndAddress) {
  const ValidCase& c = GetParam();
  auto mailbox = parseMailbox(c.input);
  ASSERT_TRUE(mailbox.ok()) << c.input << ": " << mailbox.error().message;
  EXPECT_EQ(mailbox->display_name, c.display_name);
  EXPECT_EQ(mailbox->address, c.address);
  EXPECT_TRUE(isValidSmtpAddress(mailbox->address));
}

INSTANTIATE_TEST_SUITE_P(
    Mailboxes, ParseMailboxAccepts,
    ::testing::Values(
        ValidCase{"user@example.com", "", "user@example.com"},
        ValidCase{"  user@example.com\t", "", "user@example.com"},
        ValidCase{"<user@example.com>", "", "user@example.com"},
        ValidCase{"Jane Doe <jane@example.com>", "Jane Doe", "jane@example.com"},
        ValidCase{"Jane Doe< jane@example.com >", "Jane Doe", "jane@example.com"},
        ValidCase{"\"Doe, Jane\" <jane@example.com>", "Doe, Jane", "jane@example.com"},
        ValidCase{"Doe, Jane <jane@example.com>", "Doe, Jane", "jane@example.com"},
        ValidCase{"\"Jane \\\"JD\\\" Doe\" <jane@example.com>", "Jane \"JD\" Doe",
                  "jane@example.com"},
        ValidCase{"=?utf-8?q?J=C3=B6rg_M=C3=BCller?= <j@example.de>", "Jörg Müller",
                  "j@example.de"},
        ValidCase{"=?iso-8859-1?q?J=F6rg?= <j@example.de>", "Jörg", "j@example.de"},
        ValidCase{"Jörg Müller <jörg@bücher.example>", "Jörg Müller", "jörg@bücher.example"},
        ValidCase{"山田太郎 <用户@例子.广告>", "山田太郎", "用户@例子.广告"},
        ValidCase{"first.last+tag@sub.example.co.uk", "", "first.last+tag@sub.example.co.uk"},
        ValidCase{"o'brien!#$%&*=?^_`{|}~@example.com", "", "o'brien!#$%&*=?^_`{|}~@example.com"},
        ValidCase{"\"john doe\"@example.com", "", "\"john doe\"@example.com"},
        ValidCase{"\"a\\\"b@c\"@example.com", "", "\"a\\\"b@c\"@example.com"},
        ValidCase{"user@[192.0.2.1]", "", "user@[192.0.2.1]"},
        ValidCase{"user@[IPv6:2001:db8::1]", "", "user@[IPv6:2001:db8::1]"},
        ValidCase{"postmaster@localhost", "", "postmaster@localhost"},
        ValidCase{"x@a-b.c0m", "", "x@a-b.c0m"}));

struct InvalidCase {
  std::string input;
  std::string message;  // a part of the message the user sees
};

class ParseMailboxRefuses : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(ParseMailboxRefuses, WithAMessageSayingWhy) {
  const InvalidCase& c = GetParam();
  auto mailbox = parseMailbox(c.input);
  ASSERT_FALSE(mailbox.ok()) << "accepted: " << c.input;
  EXPECT_EQ(mailbox.error().code, "invalid_address");
  EXPECT_FALSE(mailbox.error().temporary);
  EXPECT_NE(mailbox.error().message.find(c.message), std::string::npos)
      << "message: " << mailbox.error().message;
  EXPECT_EQ(mailbox.error().message.find_first_of("\r\n"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Mailboxes, ParseMailboxRefuses,
    ::testing::Values(InvalidCase{"", "the address is empty"},
                      InvalidCase{"   ", "the address is empty"},
                      InvalidCase{"Jane <>", "the address is empty"},
                      InvalidCase{"user.example.com", "missing @"},
                      InvalidCase{"Jane <jane.example.com>", "missing @"},
                      InvalidCase{"user@", "the domain (after the @) is empty"},
                      InvalidCase{"@example.com", "the local part (before the @) is empty"},
                      InvalidCase{"user@exa mple.com",
                                  "domain \"exa mple.com\" is not a valid host name"},
                      InvalidCase{"user@exam_ple.com", "it contains \"_\""},
                      InvalidCase{"user@example..com", "empty label"},
                      InvalidCase{"user@example.com.", "empty label"},
                      InvalidCase{"user@-example.com", "starts or ends with a hyphen"},
                      InvalidCase{"user@example-.com", "starts or ends with a hyphen"},
                      InvalidCase{"user@" + std::string(64, 'a') + ".com", "longer than 63 octets"},
                      InvalidCase{std::string(65, 'a') + "@example.com", "the limit is 64"},
                      InvalidCase{"a@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                                      std::string(63, 'd') + "." + std::string(63, 'e') + ".com",
                                  "the limit is 254"},
                      InvalidCase{".user@example.com", "starts or ends with a dot"},
                      InvalidCase{"user.@example.com", "starts or ends with a dot"},
                      InvalidCase{"us..er@example.com", "two dots in a row"},
                      InvalidCase{"john doe@example.com", "contains a space"},
                      InvalidCase{"a(b)@example.com", "contains \"(\""},
                      InvalidCase{"a@b@example.com", "contains \"@\""},
                      InvalidCase{"\"unclosed@example.com", "no closing quote"},
                      InvalidCase{"\"a\"b\"@example.com", "unescaped quote"},
                      InvalidCase{"user@[300.1.1.1]", "is not a valid IPv4 or IPv6 address"},
                      InvalidCase{"user@[IPv6:not-an-ip]", "is not a valid IPv4 or IPv6 address"},
                      InvalidCase{"user@[192.0.2.1", "is not a valid IPv4 or IPv6 address"},
                      InvalidCase{"user@192.168.1.1", "write it as [192.168.1.1]"},
                      InvalidCase{"Jane <jane@example.com", "the closing > is missing"},
                      InvalidCase{"jane@example.com>", "a > without a matching <"},
                      InvalidCase{"Jane <jane@example.com> (work)", "text after the closing >"},
                      InvalidCase{"a@example.com, b@example.com", "more than one address"},
                      InvalidCase{"user@exämple.com\xff", "not valid UTF-8"},
                      InvalidCase{std::string("user@example.com\0", 17), "NUL"}));

// Header injection: a line break anywhere would let a submitter add headers or recipients.
class ParseMailboxRefusesInjection : public ::testing::TestWithParam<std::string> {};

TEST_P(ParseMailboxRefusesInjection, SaysItContainsALineBreak) {
  auto mailbox = parseMailbox(GetParam());
  ASSERT_FALSE(mailbox.ok());
  EXPECT_EQ(mailbox.error().code, "invalid_address");
  EXPECT_NE(mailbox.error().message.find("line break"), std::string::npos)
      << mailbox.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Mailboxes, ParseMailboxRefusesInjection,
    ::testing::Values("a@b.com\r\nBcc: x@y.com", "a@b.com\nBcc: x@y.com", "a@b.com\rBcc: x@y.com",
                      "Jane\r\nBcc: x@y.com <a@b.com>", "Jane <a@b.com>\r\nBcc: x@y.com",
                      // An encoded word that decodes to CR LF.
                      "=?utf-8?q?Jane=0D=0ABcc:_x@y.com?= <a@b.com>", "\"Jane\r\n\" <a@b.com>"));

TEST(IsValidSmtpAddress, AcceptsMailboxesAndRefusesDisplayForms) {
  EXPECT_TRUE(isValidSmtpAddress("user@example.com"));
  EXPECT_TRUE(isValidSmtpAddress("用户@例子.广告"));
  EXPECT_TRUE(isValidSmtpAddress("user@[IPv6:::1]"));
  EXPECT_FALSE(isValidSmtpAddress("Jane <user@example.com>"));
  EXPECT_FALSE(isValidSmtpAddress("<user@example.com>"));
  EXPECT_FALSE(isValidSmtpAddress("user@example.com\r\n"));
  EXPECT_FALSE(isValidSmtpAddress(""));
  EXPECT_FALSE(isValidSmtpAddress("user"));
}

TEST(NeedsSmtpUtf8, OnlyForNonAsciiAddresses) {
  EXPECT_FALSE(needsSmtpUtf8("user@example.com"));
  EXPECT_TRUE(needsSmtpUtf8("jörg@example.de"));
  EXPECT_TRUE(needsSmtpUtf8("user@bücher.example"));
}

TEST(Mailbox, DomainIsThePartAfterTheLastAt) {
  EXPECT_EQ((Mailbox{"", "user@example.com"}.domain()), "example.com");
  EXPECT_EQ((Mailbox{"", "\"a@b\"@example.org"}.domain()), "example.org");
  EXPECT_EQ((Mailbox{"", "user@[192.0.2.1]"}.domain()), "[192.0.2.1]");
  EXPECT_EQ((Mailbox{"", "nodomain"}.domain()), "");
}

}  // namespace
}  // namespace outpost::mime
