// The commands that talk to a running server over its HTTP API: send and smtp test.
#include <sodium.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/commands.h"
#include "app/http_client.h"

namespace outpost::app {
namespace {

int fail(const std::string& message) {
  std::cerr << "outpost: " << message << "\n";
  return 1;
}

std::string base64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

boost::json::array strings(const std::vector<std::string>& values) {
  boost::json::array array;
  for (const auto& value : values) array.emplace_back(value);
  return array;
}

// Prints the API's error body in a readable form.
int failWithBody(const HttpResponse& response) {
  boost::system::error_code error;
  const auto body = boost::json::parse(response.body, error);
  if (error || !body.is_object())
    return fail("HTTP " + std::to_string(response.status) + ": " + response.body);
  const auto& object = body.as_object();
  std::string text = "HTTP " + std::to_string(response.status);
  if (const auto* message = object.if_contains("message"); message && message->is_string()) {
    text += ": " + std::string(message->as_string());
  }
  if (const auto* errors = object.if_contains("errors"); errors && errors->is_array()) {
    for (const auto& entry : errors->as_array()) {
      if (!entry.is_object()) continue;
      const auto* field = entry.as_object().if_contains("field");
      const auto* message = entry.as_object().if_contains("message");
      text += "\n  ";
      if (field && field->is_string()) text += std::string(field->as_string()) + ": ";
      if (message && message->is_string()) text += std::string(message->as_string());
    }
  }
  return fail(text);
}

std::string field(const boost::json::object& object, const char* key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return {};
  if (value->is_string()) return std::string(value->as_string());
  return boost::json::serialize(*value);
}

}  // namespace

int send(const SendOptions& options) {
  if (options.to.empty() && options.cc.empty() && options.bcc.empty()) {
    return fail("give at least one --to, --cc or --bcc");
  }
  boost::json::object request{{"from", options.from}, {"subject", options.subject}};
  if (!options.to.empty()) request["to"] = strings(options.to);
  if (!options.cc.empty()) request["cc"] = strings(options.cc);
  if (!options.bcc.empty()) request["bcc"] = strings(options.bcc);
  if (!options.text.empty()) request["text"] = options.text;
  if (!options.html.empty()) request["html"] = options.html;
  if (options.text.empty() && options.html.empty()) request["text"] = "";
  if (!options.tags.empty()) request["tags"] = strings(options.tags);
  if (!options.headers.empty()) {
    boost::json::object headers;
    for (const auto& header : options.headers) {
      const auto colon = header.find(':');
      if (colon == std::string::npos) return fail("--header needs \"Name: value\": " + header);
      std::string value = header.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      headers[header.substr(0, colon)] = value;
    }
    request["headers"] = std::move(headers);
  }
  boost::json::array attachments;
  for (const auto& path : options.attach) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream content;
    content << file.rdbuf();
    const auto slash = path.find_last_of('/');
    attachments.push_back({{"filename", slash == std::string::npos ? path : path.substr(slash + 1)},
                           {"content", base64(content.str())}});
  }
  if (!attachments.empty()) request["attachments"] = std::move(attachments);
  auto response = httpRequest("POST", options.url + "/api/v1/messages", options.key,
                              boost::json::serialize(request));
  if (!response) return fail(response.error().message);
  if (response->status != 201) return failWithBody(*response);
  std::cout << response->body << "\n";
  return 0;
}

int smtpTest(const SmtpTestOptions& options) {
  boost::json::object request{{"to", options.to}};
  if (!options.from.empty()) request["from"] = options.from;
  auto response = httpRequest("POST", options.url + "/api/v1/settings/smtp/test", options.key,
                              boost::json::serialize(request));
  if (!response) return fail(response.error().message);
  if (response->status != 201) return failWithBody(*response);
  boost::system::error_code error;
  const auto accepted = boost::json::parse(response->body, error);
  if (error || !accepted.is_object()) return fail("unexpected answer: " + response->body);
  const std::string id = field(accepted.as_object(), "id");
  std::cout << "test message " << id << " queued for the relay; waiting for its answer\n";
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options.wait_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto detail = httpRequest("GET", options.url + "/api/v1/messages/" + id, options.key);
    if (detail && detail->status == 200) {
      const auto body = boost::json::parse(detail->body, error);
      if (!error && body.is_object()) {
        const auto& object = body.as_object();
        const std::string status = field(object, "processing_status");
        const auto* attempts = object.if_contains("attempts");
        // The first attempt answers the test: processed, failure, or deferred (queued again).
        const bool attempted = attempts && attempts->is_array() && !attempts->as_array().empty();
        if (attempted && status != "processing") {
          const auto& last = attempts->as_array().back().as_object();
          std::cout << "status:  " << status << "\n"
                    << "server:  " << field(last, "server") << ":" << field(last, "port") << " ["
                    << field(last, "ip") << "] " << field(last, "tls_version") << "\n"
                    << "reply:   " << field(last, "code") << " " << field(last, "enhanced_code")
                    << " " << field(last, "text") << "\n"
                    << "meaning: " << field(last, "description") << "\n";
          if (status != "processed") std::cout << "hint:    " << field(last, "hint") << "\n";
          return status == "processed" ? 0 : 1;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return fail("no answer from the relay within " + std::to_string(options.wait_seconds) +
              " s; see outpost queue show " + id);
}

}  // namespace outpost::app
