// The RFC 7208 test suite (openspf.org / pyspf, ../shared/testdata/spf/rfc7208-tests.yml): every
// scenario's zone data loaded into a dns::MemoryZone, every test's check_host() result compared
// with the suite's, and its explanation where the suite gives one.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "dns/memory_zone.h"
#include "mailauth/spf/evaluator.h"
#include "support/run_async.h"

namespace outpost::mailauth::spf {
namespace {

namespace json = boost::json;

json::object loadSuite() {
  std::ifstream file(OUTPOST_SPF_SUITE_JSON);
  std::stringstream text;
  text << file.rdbuf();
  return json::parse(text.str()).as_object();
}

std::string fromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// "4.2.0.192.in-addr.arpa" → "192.0.2.4"; the ip6.arpa nibbles → an IPv6 address.
std::string addressOfReverseName(std::string name) {
  name = dns::normalizeName(name);
  std::vector<std::string> labels;
  std::stringstream parts(name);
  for (std::string label; std::getline(parts, label, '.');) labels.push_back(label);
  if (name.ends_with(".in-addr.arpa")) {
    return labels[3] + "." + labels[2] + "." + labels[1] + "." + labels[0];
  }
  std::string address;
  for (int i = 31; i >= 0; --i) {
    address += labels[static_cast<std::size_t>(i)];
    if (i % 4 == 0 && i != 0) address += ':';
  }
  return address;
}

std::string joined(const json::object& record) {
  std::string text;
  for (const auto& part : record.at("hex").as_array()) text += fromHex(part.as_string());
  return text;
}

// The scenario's zone. RFC 7208 drivers publish each SPF-type record as TXT too, unless the name
// has TXT data of its own (or "TXT: NONE").
void loadZone(const json::object& zone, dns::MemoryZone& memory) {
  for (const auto& [key, value] : zone) {
    std::string name(key);
    bool has_txt = false;
    bool has_txt_data = false;
    for (const auto& entry : value.as_array()) {
      if (entry.as_object().at("type").as_string() != "TXT") continue;
      has_txt = true;
      if (!entry.as_object().contains("none")) has_txt_data = true;
    }
    for (const auto& entry : value.as_array()) {
      const json::object& record = entry.as_object();
      std::string type(record.at("type").as_string());
      if (type == "TIMEOUT") {
        // The suite's TIMEOUT hits the queries for types the name has no data for: with TXT data
        // (spftimeout), only the type-99 query would time out, and check_host() never sends one.
        if (!has_txt_data) memory.failWithTimeout(name);
      } else if (type == "TXT") {
        if (!record.contains("none")) memory.addTxt(name, joined(record));
      } else if (type == "SPF") {
        if (record.contains("none")) continue;
        memory.addSpfType(name);
        if (!has_txt) memory.addTxt(name, joined(record));
      } else if (type == "A") {
        memory.addA(name, std::string(record.at("value").as_string()));
      } else if (type == "AAAA") {
        memory.addAaaa(name, std::string(record.at("value").as_string()));
      } else if (type == "MX") {
        memory.addMx(name, static_cast<std::uint16_t>(record.at("preference").as_int64()),
                     std::string(record.at("exchange").as_string()));
      } else if (type == "PTR") {
        memory.addPtr(addressOfReverseName(name), std::string(record.at("value").as_string()));
      } else if (type == "CNAME") {
        memory.addCname(name, std::string(record.at("value").as_string()));
      } else {
        ADD_FAILURE() << "unknown record type " << type << " at " << name;
      }
    }
  }
}

CheckHostResult check(dns::MemoryZone& zone, const json::object& test) {
  CheckHostInput input;
  input.ip = std::string(test.at("host").as_string());
  input.sender = std::string(test.at("mailfrom").as_string());
  input.helo = std::string(test.at("helo").as_string());
  std::size_t at = input.sender.rfind('@');
  input.domain = input.sender.empty()      ? input.helo
                 : at == std::string::npos ? input.sender
                                           : input.sender.substr(at + 1);
  return test::runAsync([&](auto) -> boost::asio::awaitable<CheckHostResult> {
    co_return co_await checkHost(zone, input);
  });
}

TEST(SpfRfc7208Suite, EveryTestGivesTheSuitesResult) {
  json::object suite = loadSuite();
  int run = 0;
  int passed = 0;
  for (const auto& scenario_value : suite.at("scenarios").as_array()) {
    const json::object& scenario = scenario_value.as_object();
    std::string description(scenario.at("description").as_string());
    dns::MemoryZone zone;
    loadZone(scenario.at("zone").as_object(), zone);
    for (const auto& test_value : scenario.at("tests").as_array()) {
      const json::object& test = test_value.as_object();
      std::string name(test.at("name").as_string());
      CheckHostResult result = check(zone, test);
      ++run;
      bool accepted = false;
      std::string wanted;
      for (const auto& acceptable : test.at("results").as_array()) {
        if (!wanted.empty()) wanted += " or ";
        wanted += acceptable.as_string();
        if (acceptable.as_string() == resultName(result.result)) accepted = true;
      }
      EXPECT_TRUE(accepted) << description << " / " << name << " (spec "
                            << test.at("spec").as_string() << "): wanted " << wanted << ", got "
                            << resultName(result.result) << " [" << result.code << "] "
                            << result.reason;
      bool explained = true;
      if (accepted && test.at("explanation").is_string()) {
        std::string explanation(test.at("explanation").as_string());
        // "DEFAULT" stands for whatever default explanation the implementation gives.
        if (explanation != "DEFAULT") {
          explained = result.explanation == explanation;
          EXPECT_EQ(result.explanation, explanation) << description << " / " << name;
        } else {
          explained = !result.explanation.empty();
          EXPECT_FALSE(result.explanation.empty()) << description << " / " << name;
        }
      }
      if (accepted && explained) ++passed;
    }
  }
  // The suite as collected: 16 scenarios, 203 tests (testdata README).
  EXPECT_EQ(run, 203);
  EXPECT_EQ(passed, run);
}

}  // namespace
}  // namespace outpost::mailauth::spf
