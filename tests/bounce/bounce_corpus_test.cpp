// Accuracy on the shared bounce corpus (../shared/testdata/bounces, sisimai's set-of-emails
// with sisimai's own expected results). Each expected recipient result is correct when:
//   - the reason matches, and hard_bounce matches;
//   - the status class (2/4/5) matches, where the expectation has a status;
//   - the feedback type matches, for reason "feedback".
// The full status is reported beside (not required): sisimai's pseudo codes (third number
// >= 900) compare by class only, as the corpus README says; real codes are counted as a
// secondary figure. The table is printed per source family (file-name prefix).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "bounce/report_parser.h"

namespace outpost::bounce {
namespace {

const std::filesystem::path kCorpus = OUTPOST_BOUNCE_CORPUS_DIR;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return (v != nullptr && v->is_string()) ? std::string(v->as_string()) : std::string();
}

bool isPseudoStatus(const std::string& status) {
  const auto last = status.rfind('.');
  return last != std::string::npos && std::atoi(status.c_str() + last + 1) >= 900;
}

struct Tally {
  int total = 0;
  int correct = 0;
};

TEST(BounceCorpus, ClassifiesAtLeast95PercentOfExpectedRecipients) {
  const auto expected_text = readFile(kCorpus / "expected.json");
  ASSERT_FALSE(expected_text.empty()) << "corpus not found at " << kCorpus;
  const auto expected = boost::json::parse(expected_text).as_object();
  const bool verbose = std::getenv("OUTPOST_BOUNCE_VERBOSE") != nullptr;

  std::map<std::string, Tally> families;
  Tally all;
  Tally full_status;
  int messages = 0;
  int count_matches = 0;
  for (const auto& entry : expected.at("messages").as_array()) {
    const auto& message = entry.as_object();
    const auto& results = message.at("results");
    if (results.is_null()) continue;
    const std::string file = str(message, "file");
    const std::string family = str(message, "source_group");
    const auto parsed = parseBounce(readFile(kCorpus / file));
    ASSERT_TRUE(parsed.ok()) << file;
    const auto& got = parsed.value().recipients;
    const auto& want = results.as_array();
    ++messages;
    if (got.size() == want.size()) {
      ++count_matches;
    } else if (verbose) {
      std::cout << "COUNT " << file << ": got " << got.size() << " want " << want.size() << "\n";
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
      const auto& w = want[i].as_object();
      const std::string reason = str(w, "reason");
      const std::string status = str(w, "status");
      const bool hard = w.at("hard_bounce").as_bool();
      bool ok = i < got.size();
      std::string why;
      if (ok) {
        const auto& g = got[i];
        if (g.reason != reason) why += " reason " + g.reason + "!=" + reason;
        if (g.hard_bounce != hard) why += " hard";
        if (!status.empty() && (g.status.empty() || g.status[0] != status[0])) {
          why += " class " + g.status + "!=" + status;
        }
        if (reason == "feedback" && g.feedback_type != str(w, "feedback_type")) {
          why += " feedback_type " + g.feedback_type;
        }
        ok = why.empty();
        if (!status.empty() && !isPseudoStatus(status)) {
          ++full_status.total;
          if (g.status == status) ++full_status.correct;
        }
        if (!ok && verbose) {
          std::cout << "MISS " << file << "#" << i << ":" << why << " | " << g.recipient << " | "
                    << g.status << " | " << g.diagnostic_code.substr(0, 300) << "\n";
        }
      } else if (verbose) {
        std::cout << "MISS " << file << "#" << i << ": missing recipient (want " << reason << ")\n";
      }
      ++families[family].total;
      ++all.total;
      if (ok) {
        ++families[family].correct;
        ++all.correct;
      }
    }
  }

  std::cout << std::left << std::setw(24) << "family" << std::right << std::setw(7) << "total"
            << std::setw(9) << "correct" << std::setw(8) << "%"
            << "\n";
  for (const auto& [family, tally] : families) {
    std::cout << std::left << std::setw(24) << family << std::right << std::setw(7) << tally.total
              << std::setw(9) << tally.correct << std::setw(7) << std::fixed << std::setprecision(1)
              << 100.0 * tally.correct / tally.total << "%\n";
  }
  const double accuracy = 100.0 * all.correct / all.total;
  std::cout << std::left << std::setw(24) << "ALL" << std::right << std::setw(7) << all.total
            << std::setw(9) << all.correct << std::setw(7) << std::fixed << std::setprecision(1)
            << accuracy << "%\n";
  std::cout << "full status equal (real codes only): " << full_status.correct << "/"
            << full_status.total << "\n";
  std::cout << "recipient count equal: " << count_matches << "/" << messages << " messages\n";

  EXPECT_GE(accuracy, 95.0);
  EXPECT_GE(count_matches * 100, messages * 95) << "recipient counts differ too often";
}

TEST(BounceCorpus, MailThatIsNoBounceIsNotABounce) {
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus / "not-bounce")) {
    const auto parsed = parseBounce(readFile(entry.path()));
    ASSERT_TRUE(parsed.ok()) << entry.path();
    EXPECT_FALSE(parsed.value().is_bounce) << entry.path();
    EXPECT_TRUE(parsed.value().recipients.empty()) << entry.path();
  }
}

TEST(BounceCorpus, EveryCorpusMessageParsesWithoutError) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus / "eml")) {
    const auto parsed = parseBounce(readFile(entry.path()));
    EXPECT_TRUE(parsed.ok()) << entry.path();
    ++count;
  }
  EXPECT_GT(count, 400);
}

}  // namespace
}  // namespace outpost::bounce
