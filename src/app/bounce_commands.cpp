// `outpost bounce parse`: prints what the bounce parser (bounce/report_parser.h) makes of
// each file, one JSON object per line. Files are untrusted mail; only read.
#include "app/bounce_commands.h"

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bounce/report_parser.h"

namespace outpost::app {
namespace {

boost::json::object recipientJson(const bounce::BouncedRecipient& r) {
  return {{"recipient", r.recipient},
          {"action", r.action},
          {"status", r.status},
          {"reply_code", r.reply_code},
          {"diagnostic_code", r.diagnostic_code},
          {"remote_mta", r.remote_mta},
          {"reason", r.reason},
          {"hard_bounce", r.hard_bounce},
          {"feedback_type", r.feedback_type}};
}

}  // namespace

int bounceParse(const std::vector<std::string>& files) {
  int exit_code = 0;
  for (const auto& file : files) {
    boost::json::object line;
    line["file"] = file;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      line["error"] = "cannot read " + file;
      std::cout << boost::json::serialize(line) << "\n";
      exit_code = 1;
      continue;
    }
    std::ostringstream content;
    content << in.rdbuf();
    const auto parsed = bounce::parseBounce(content.str());
    if (!parsed.ok()) {
      line["error"] = parsed.error().message;
      std::cout << boost::json::serialize(line) << "\n";
      exit_code = 1;
      continue;
    }
    line["bounce"] = parsed.value().is_bounce;
    boost::json::array recipients;
    for (const auto& recipient : parsed.value().recipients) {
      recipients.push_back(recipientJson(recipient));
    }
    line["recipients"] = std::move(recipients);
    std::cout << boost::json::serialize(line) << "\n";
  }
  std::cout.flush();
  return exit_code;
}

}  // namespace outpost::app
