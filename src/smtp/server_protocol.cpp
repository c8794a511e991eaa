#include "smtp/server_protocol.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace outpost::smtp {
namespace {

// RFC 5321 §4.5.3.1.4 allows 512 octets per command line; AUTH initial responses and ESMTP
// parameters make longer ones legitimate, so the data line limit applies (1000 with CRLF).
constexpr std::size_t kMaxCommandLine = 998;

std::string line(std::string_view text) { return std::string(text) + "\r\n"; }

// Strict RFC 4648 base64 (AUTH responses, RFC 4954 §4); nullopt when malformed.
std::optional<std::string> decodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  const bool valid = std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '/' || c == '=';
  });
  const std::size_t padding =
      text.size() >= 2 ? (text.back() == '=') + (text[text.size() - 2] == '=') : 0;
  if (!valid || text.substr(0, text.size() - padding).find('=') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

bool isOneOf(const std::string& value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// NOTIFY=NEVER, or any of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1).
bool validNotify(const std::string& value) {
  if (value == "NEVER") return true;
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t end = std::min(value.find(',', start), value.size());
    if (!isOneOf(value.substr(start, end - start), {"SUCCESS", "FAILURE", "DELAY"})) return false;
    start = end + 1;
  }
  return !value.empty();
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

ServerProtocol::ServerProtocol(ServerPolicy policy, bool tls_active, bool trusted_client)
    : policy_(std::move(policy)), tls_active_(tls_active), trusted_client_(trusted_client) {}

std::string ServerProtocol::greeting() const {
  return line("220 " + policy_.hostname + " ESMTP outpost");
}

void ServerProtocol::reply(std::vector<ServerAction>& out, std::string text) {
  const char first = text.empty() ? '2' : text.front();
  if (first == '4' || first == '5') {
    if (++errors_ > policy_.max_errors) {
      out.push_back({ServerAction::Kind::kClose,
                     line("421 4.7.0 " + policy_.hostname + " Too many errors; closing"),
                     {},
                     {}});
      buffer_.clear();
      waiting_ = true;  // nothing more is read
      return;
    }
  }
  out.push_back({ServerAction::Kind::kReply, line(text), {}, {}});
}

void ServerProtocol::resetTransaction() {
  transaction_ = ServerTransaction{};
  in_transaction_ = false;
  data_.reset();
  bdat_remaining_ = 0;
  bdat_last_ = false;
}

std::vector<ServerAction> ServerProtocol::receive(std::string_view bytes) {
  buffer_.append(bytes);
  if (waiting_) return {};
  return process();
}

std::vector<ServerAction> ServerProtocol::process() {
  std::vector<ServerAction> out;
  while (!waiting_) {
    if (state_ == State::kData) {
      if (buffer_.empty()) break;
      const std::size_t used = data_->consume(buffer_);
      buffer_.erase(0, used);
      if (!data_->done()) break;
      state_ = State::kCommand;
      if (data_->problem()) {
        reply(out, std::string(replyFor(*data_->problem(), policy_.max_message_bytes)));
        resetTransaction();
        continue;
      }
      transaction_.message = std::move(data_->message());
      data_.reset();
      waiting_ = true;
      out.push_back({ServerAction::Kind::kStore, {}, {}, {}});
      break;
    }
    if (state_ == State::kBdat) {
      const std::size_t take = std::min(bdat_remaining_, buffer_.size());
      if (bdat_refusal_.empty()) transaction_.message.append(buffer_, 0, take);
      buffer_.erase(0, take);
      bdat_remaining_ -= take;
      if (bdat_remaining_ > 0) break;
      state_ = State::kCommand;
      if (!bdat_refusal_.empty()) {
        reply(out, std::exchange(bdat_refusal_, {}));
        resetTransaction();
      } else if (bdat_last_) {
        waiting_ = true;
        out.push_back({ServerAction::Kind::kStore, {}, {}, {}});
        break;
      } else {
        reply(out,
              "250 2.0.0 Ok: " + std::to_string(transaction_.message.size()) + " octets received");
      }
      continue;
    }
    if (buffer_.empty()) break;
    const std::size_t end = buffer_.find('\n');
    if (end == std::string::npos) {
      if (buffer_.size() > kMaxCommandLine + 1) {
        // Skip the rest of this line; answer once it ends.
        discarding_line_ = true;
        buffer_.clear();
      }
      break;
    }
    std::string text = buffer_.substr(0, end);
    buffer_.erase(0, end + 1);
    if (discarding_line_ || text.size() > kMaxCommandLine + 1) {
      discarding_line_ = false;
      reply(out, "500 5.5.2 Line too long: at most 1000 octets");
      continue;
    }
    if (text.empty() || text.back() != '\r' || text.find('\r') != text.size() - 1) {
      // A bare LF ended this line, or a bare CR is inside it (RFC 5321 §2.3.8).
      reply(out, "500 5.5.2 Lines must end with CRLF, without a bare CR or LF");
      continue;
    }
    text.pop_back();
    if (state_ == State::kCommand) {
      command(text, out);
    } else {
      authLine(text, out);
    }
  }
  return out;
}

void ServerProtocol::command(std::string_view text, std::vector<ServerAction>& out) {
  auto parsed = parseCommandLine(text);
  if (!parsed) {
    reply(out, "500 5.5.2 Command not recognized");
    return;
  }
  const Command& command = *parsed;
  const std::string& verb = command.verb;
  if (verb == "EHLO" || verb == "HELO") {
    ehlo(command, out);
  } else if (verb == "STARTTLS") {
    if (tls_active_) {
      reply(out, "503 5.5.1 TLS is already active");
    } else if (!policy_.starttls_available) {
      reply(out, "502 5.5.1 STARTTLS is not available here");
    } else if (!command.argument.empty()) {
      reply(out, "501 5.5.4 STARTTLS takes no argument");
    } else {
      waiting_ = true;
      out.push_back({ServerAction::Kind::kStartTls, line("220 2.0.0 Ready to start TLS"), {}, {}});
    }
  } else if (verb == "AUTH") {
    auth(command, out);
  } else if (verb == "MAIL") {
    mail(command, out);
  } else if (verb == "RCPT") {
    rcpt(command, out);
  } else if (verb == "DATA") {
    if (!in_transaction_ || transaction_.recipients.empty()) {
      reply(out, in_transaction_ ? "554 5.5.1 No valid recipients" : "503 5.5.1 MAIL first");
    } else if (!command.argument.empty()) {
      reply(out, "501 5.5.4 DATA takes no argument");
    } else {
      data_.emplace(policy_.max_message_bytes);
      state_ = State::kData;
      reply(out, "354 End data with <CR><LF>.<CR><LF>");
    }
  } else if (verb == "BDAT") {
    bdat(command, out);
  } else if (verb == "RSET") {
    resetTransaction();
    reply(out, "250 2.0.0 Ok");
  } else if (verb == "NOOP") {
    reply(out, "250 2.0.0 Ok");
  } else if (verb == "VRFY" || verb == "EXPN") {
    reply(out, "252 2.5.0 Cannot verify addresses; send the message and outpost will try");
  } else if (verb == "HELP") {
    reply(out,
          "214 2.0.0 See RFC 5321; outpost accepts EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, "
          "BDAT, RSET, NOOP, QUIT");
  } else if (verb == "QUIT") {
    waiting_ = true;
    out.push_back({ServerAction::Kind::kClose, line("221 2.0.0 Bye"), {}, {}});
  } else {
    reply(out, "502 5.5.1 Command not implemented");
  }
}

void ServerProtocol::ehlo(const Command& command, std::vector<ServerAction>& out) {
  if (command.argument.empty()) {
    reply(out, "501 5.5.4 " + command.verb + " needs the client's name");
    return;
  }
  resetTransaction();
  greeted_ = true;
  if (command.verb == "HELO") {
    reply(out, "250 " + policy_.hostname);
    return;
  }
  std::vector<std::string> lines = {policy_.hostname,
                                    "PIPELINING",
                                    "SIZE " + std::to_string(policy_.max_message_bytes),
                                    "8BITMIME",
                                    "SMTPUTF8",
                                    "ENHANCEDSTATUSCODES",
                                    "DSN",
                                    "CHUNKING"};
  if (policy_.starttls_available && !tls_active_) lines.emplace_back("STARTTLS");
  // RFC 4954 §4: no AUTH in the clear; it is not even offered before TLS.
  if (policy_.offer_auth && tls_active_ && !authenticated_) lines.emplace_back("AUTH PLAIN LOGIN");
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    text += (i + 1 < lines.size() ? "250-" : "250 ") + lines[i] + "\r\n";
  }
  out.push_back({ServerAction::Kind::kReply, text, {}, {}});
}

void ServerProtocol::auth(const Command& command, std::vector<ServerAction>& out) {
  if (!policy_.offer_auth) return reply(out, "502 5.5.1 AUTH is not available here");
  if (!greeted_) return reply(out, "503 5.5.1 EHLO first");
  if (!tls_active_) {
    return reply(out, "538 5.7.11 Encryption required: STARTTLS first, then AUTH");
  }
  if (authenticated_) return reply(out, "503 5.5.1 Already authenticated");
  if (in_transaction_) return reply(out, "503 5.5.1 AUTH is not allowed during a transaction");
  const std::size_t space = std::min(command.argument.find(' '), command.argument.size());
  const std::string mechanism = upper(command.argument.substr(0, space));
  const std::string initial =
      space < command.argument.size() ? command.argument.substr(space + 1) : std::string();
  if (mechanism == "PLAIN") {
    state_ = State::kAuthPlain;
    if (initial.empty()) {
      out.push_back({ServerAction::Kind::kReply, line("334 "), {}, {}});
      return;
    }
    authLine(initial == "=" ? "" : initial, out);
  } else if (mechanism == "LOGIN") {
    state_ = State::kAuthLoginUser;
    if (initial.empty()) {
      out.push_back({ServerAction::Kind::kReply, line("334 VXNlcm5hbWU6"), {}, {}});  // Username:
      return;
    }
    authLine(initial, out);
  } else {
    reply(out, "504 5.5.4 Unrecognized authentication type: use PLAIN or LOGIN");
  }
}

void ServerProtocol::authLine(std::string_view text, std::vector<ServerAction>& out) {
  const State state = state_;
  state_ = State::kCommand;
  if (text == "*") return reply(out, "501 5.7.0 Authentication cancelled");
  auto decoded = decodeBase64(text);
  if (!decoded) return reply(out, "501 5.5.2 Cannot decode the response (base64)");
  if (state == State::kAuthPlain) {
    // authzid NUL authcid NUL passwd (RFC 4616); the authorization identity must be empty or
    // the same user.
    const std::size_t first = decoded->find('\0');
    const std::size_t second =
        first == std::string::npos ? std::string::npos : decoded->find('\0', first + 1);
    if (second == std::string::npos) return reply(out, "501 5.5.2 Malformed PLAIN response");
    const std::string authzid = decoded->substr(0, first);
    std::string user = decoded->substr(first + 1, second - first - 1);
    if (!authzid.empty() && authzid != user) {
      return reply(out, "535 5.7.8 Authentication credentials invalid");
    }
    waiting_ = true;
    username_ = user;
    out.push_back(
        {ServerAction::Kind::kAuthenticate, {}, std::move(user), decoded->substr(second + 1)});
  } else if (state == State::kAuthLoginUser) {
    login_user_ = std::move(*decoded);
    state_ = State::kAuthLoginPassword;
    out.push_back({ServerAction::Kind::kReply, line("334 UGFzc3dvcmQ6"), {}, {}});  // Password:
  } else {
    waiting_ = true;
    username_ = login_user_;
    out.push_back({ServerAction::Kind::kAuthenticate, {}, login_user_, std::move(*decoded)});
    login_user_.clear();
  }
}

void ServerProtocol::mail(const Command& command, std::vector<ServerAction>& out) {
  if (!greeted_) return reply(out, "503 5.5.1 EHLO first");
  if (policy_.require_auth && !authenticated_ && !trusted_client_) {
    return reply(out, tls_active_ || !policy_.starttls_available
                          ? "530 5.7.0 Authentication required"
                          : "530 5.7.0 Must issue a STARTTLS command first, then AUTH");
  }
  if (in_transaction_) return reply(out, "503 5.5.1 Nested MAIL command");
  auto parsed = parseMailArgument(command.argument);
  if (!parsed) return reply(out, parsed.error().message);
  for (const auto& [keyword, value] : parsed->parameters) {
    if (keyword == "SIZE") {
      std::size_t size = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), size);
      if (error != std::errc() || end != value.data() + value.size()) {
        return reply(out, "501 5.5.4 SIZE needs a number");
      }
      if (size > policy_.max_message_bytes) {
        return reply(out, "552 5.3.4 Message too big: the limit is " +
                              std::to_string(policy_.max_message_bytes) + " octets");
      }
    } else if (keyword == "BODY") {
      if (!isOneOf(upper(value), {"7BIT", "8BITMIME"})) {
        return reply(out, "555 5.5.4 BODY must be 7BIT or 8BITMIME");
      }
    } else if (keyword == "SMTPUTF8") {
      if (!value.empty()) return reply(out, "555 5.5.4 SMTPUTF8 takes no value");
    } else if (keyword == "RET") {
      if (!isOneOf(upper(value), {"FULL", "HDRS"})) {
        return reply(out, "501 5.5.4 RET must be FULL or HDRS");
      }
    } else if (keyword == "ENVID") {
      if (value.empty() || value.size() > 100 || !decodeXtext(value)) {
        return reply(out, "501 5.5.4 Invalid ENVID: at most 100 characters of xtext");
      }
    } else if (keyword != "AUTH") {  // RFC 4954 §5: AUTH=<> may be given and ignored
      return reply(out, "555 5.5.4 Unsupported parameter " + keyword);
    }
  }
  if (policy_.check_sender) {
    if (std::string refusal = policy_.check_sender(parsed->address); !refusal.empty()) {
      return reply(out, std::move(refusal));
    }
  }
  resetTransaction();
  in_transaction_ = true;
  transaction_.mail_from = std::move(parsed->address);
  transaction_.mail_parameters = std::move(parsed->parameters);
  reply(out, "250 2.1.0 Ok");
}

void ServerProtocol::rcpt(const Command& command, std::vector<ServerAction>& out) {
  if (!in_transaction_) return reply(out, "503 5.5.1 MAIL first");
  if (transaction_.recipients.size() >= policy_.max_recipients) {
    return reply(out, "452 4.5.3 Too many recipients: at most " +
                          std::to_string(policy_.max_recipients) + " per message");
  }
  auto parsed = parseRcptArgument(command.argument);
  if (!parsed) return reply(out, parsed.error().message);
  for (auto& [keyword, value] : parsed->parameters) {
    if (keyword == "NOTIFY") {
      value = upper(value);
      if (!validNotify(value)) {
        return reply(out, "501 5.5.4 NOTIFY must be NEVER or SUCCESS, FAILURE, DELAY");
      }
    } else if (keyword == "ORCPT") {
      if (value.find(';') == std::string::npos || !decodeXtext(value)) {
        return reply(out, "501 5.5.4 Invalid ORCPT: expected addr-type;xtext");
      }
    } else {
      return reply(out, "555 5.5.4 Unsupported parameter " + keyword);
    }
  }
  if (policy_.check_recipient) {
    if (std::string refusal = policy_.check_recipient(*parsed); !refusal.empty()) {
      return reply(out, std::move(refusal));
    }
  }
  transaction_.recipients.push_back(std::move(*parsed));
  reply(out, "250 2.1.5 Ok");
}

void ServerProtocol::bdat(const Command& command, std::vector<ServerAction>& out) {
  // RFC 3030: "BDAT size [LAST]"; the chunk follows at once, as octets, whatever its content.
  const std::size_t space = std::min(command.argument.find(' '), command.argument.size());
  const std::string size_text = command.argument.substr(0, space);
  const std::string rest =
      upper(space < command.argument.size() ? command.argument.substr(space + 1) : std::string());
  std::size_t size = 0;
  const auto [end, error] =
      std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
  if (size_text.empty() || error != std::errc() || end != size_text.data() + size_text.size() ||
      (!rest.empty() && rest != "LAST")) {
    // Without a chunk size the session cannot stay in step: end it.
    waiting_ = true;
    out.push_back({ServerAction::Kind::kClose, line("501 5.5.4 Syntax: BDAT size [LAST]"), {}, {}});
    return;
  }
  // The chunk is read in every case, to stay in step; a refusal is answered after it.
  bdat_remaining_ = size;
  bdat_last_ = rest == "LAST";
  bdat_refusal_.clear();
  if (!in_transaction_) {
    bdat_refusal_ = "503 5.5.1 MAIL first";
  } else if (transaction_.recipients.empty()) {
    bdat_refusal_ = "554 5.5.1 No valid recipients";
  } else if (transaction_.message.size() + size > policy_.max_message_bytes) {
    bdat_refusal_ = "552 5.3.4 Message too big: the limit is " +
                    std::to_string(policy_.max_message_bytes) + " octets";
  }
  state_ = State::kBdat;
}

void ServerProtocol::tlsStarted() {
  tls_active_ = true;
  waiting_ = false;
  // RFC 3207 §4.2: forget everything from before, and whatever was pipelined after STARTTLS.
  buffer_.clear();
  greeted_ = false;
  resetTransaction();
}

std::vector<ServerAction> ServerProtocol::authenticated(bool ok, const std::string& refusal_reply) {
  waiting_ = false;
  std::vector<ServerAction> out;
  if (ok) {
    authenticated_ = true;
    reply(out, "235 2.7.0 Authentication successful");
  } else {
    username_.clear();
    reply(out,
          refusal_reply.empty() ? "535 5.7.8 Authentication credentials invalid" : refusal_reply);
  }
  auto more = process();
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  return out;
}

std::vector<ServerAction> ServerProtocol::stored(const std::string& reply_text) {
  waiting_ = false;
  std::vector<ServerAction> out;
  resetTransaction();
  reply(out, reply_text);
  auto more = process();
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  return out;
}

}  // namespace outpost::smtp
