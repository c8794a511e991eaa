// Helpers for the store tests: a temporary database folder, opening a real SQLite store in
// it, and building messages and attempt outcomes.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace outpost::store::testing {

// A folder under the system temp dir, removed with everything in it at the end of the test.
class TempDatabase {
 public:
  TempDatabase() {
    std::string pattern = (std::filesystem::temp_directory_path() / "outpost-store-XXXXXX");
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    dir_ = pattern;
  }
  ~TempDatabase() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  std::string path() const { return dir_ + "/outpost.db"; }

 private:
  std::string dir_;
};

inline std::unique_ptr<Store> openStore(const std::string& path) {
  auto store = openSqliteStore(SqliteOptions{path});
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(*store) : nullptr;
}

inline NewMessage makeMessage(UnixMillis created_at, std::vector<std::string> recipients,
                              std::string subject = "Your interview on Monday") {
  NewMessage message;
  message.id = newMessageId(created_at);
  message.message_id = "<" + message.id + "@mail.example.com>";
  message.mail_from = "jobs@example.com";
  message.from_header = "Acme Jobs <jobs@example.com>";
  message.subject = std::move(subject);
  for (auto& address : recipients) message.recipients.push_back({std::move(address), "to"});
  message.raw =
      "From: Acme Jobs <jobs@example.com>\r\nSubject: " + message.subject + "\r\n\r\nHello\r\n";
  message.owner_user_id = 1;
  message.api_key_name = "crm";
  message.created_at = created_at;
  return message;
}

inline std::string insert(Store& store, const NewMessage& message) {
  auto outcome = store.insertMessage(message);
  EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message);
  return outcome.ok() ? outcome->id : "";
}

// An attempt outcome for a claimed recipient.
inline RecipientUpdate outcome(const DueRecipient& due, std::string lease_owner, int code,
                               ProcessingStatus processing, UnixMillis at,
                               std::string server = "mx.example.net") {
  RecipientUpdate update;
  update.attempt.recipient_id = due.recipient_id;
  update.attempt.at = at;
  update.attempt.node = lease_owner;
  update.attempt.server = std::move(server);
  update.attempt.port = 25;
  update.attempt.code = code;
  update.attempt.text = std::to_string(code) + (code >= 400 ? " try again later" : " OK");
  update.attempt.transcript = "EHLO node\r\n250 hello\r\n";
  update.processing = processing;
  update.delivery = DeliveryStatus::kUnknown;
  update.lease_owner = std::move(lease_owner);
  return update;
}

inline std::vector<std::string> ids(const ListPage& page) {
  std::vector<std::string> result;
  for (const auto& item : page.items) result.push_back(item.id);
  return result;
}

// Lists every message matching `query`, page after page.
inline std::vector<std::string> listAll(Store& store, ListQuery query) {
  std::vector<std::string> all;
  for (;;) {
    auto page = store.listMessages(query);
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
    if (!page.ok()) return all;
    for (const auto& item : page->items) all.push_back(item.id);
    if (!page->next_cursor) return all;
    query.cursor = *page->next_cursor;
  }
}

// The fixture of the store tests: a fresh store in a temporary folder, and the steps most tests
// take with it.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = openStore(db_.path());
    ASSERT_TRUE(store_);
  }

  // Leases up to 100 due recipients to `node` for a minute.
  std::vector<DueRecipient> claim(UnixMillis now, const std::string& node = "node") {
    auto due = store_->claimDue(now, node, now + 60'000, 100);
    EXPECT_TRUE(due.ok()) << (due.ok() ? "" : due.error().message);
    return due.ok() ? *due : std::vector<DueRecipient>{};
  }

  User createUser(std::string email, Role role) {
    User user;
    user.email = std::move(email);
    user.role = role;
    user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    user.created_at = 1000;
    auto created = store_->createUser(user);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? *created : User{};
  }

  TempDatabase db_;
  std::unique_ptr<Store> store_;
};

}  // namespace outpost::store::testing
