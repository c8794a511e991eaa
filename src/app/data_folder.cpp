#include "app/data_folder.h"

#include <filesystem>
#include <iostream>

#include "core/clock.h"
#include "core/credentials.h"
#include "store/sqlite/sqlite_store.h"

namespace outpost::app {

Result<DataFolder> openDataFolder(const Config& config) {
  std::error_code error;
  std::filesystem::create_directories(config.data_dir, error);
  if (error) {
    return Error::permanentFailure(
        "data.folder", "cannot create the data folder " + config.data_dir + ": " + error.message());
  }
  auto secrets = SecretBox::openDataDir(config.data_dir);
  if (!secrets) return secrets.takeError();
  store::SqliteOptions options;
  options.path = config.data_dir + "/outpost.db";
  auto store = store::openSqliteStore(options);
  if (!store) return store.takeError();
  DataFolder folder;
  folder.store = std::move(*store);
  folder.secrets = std::make_unique<SecretBox>(std::move(*secrets));
  return folder;
}

Result<store::User> ensureSuperAdmin(store::Store& store, const Config& config) {
  auto existing = store.firstSuperAdmin();
  if (!existing) return existing.takeError();
  if (existing->has_value()) return **existing;
  const std::string password = generatePassword();
  auto hashed = hashPassword(password);
  if (!hashed) return hashed.takeError();
  store::User user;
  user.email = "admin@" + config.hostname;
  user.role = store::Role::kSuperAdmin;
  user.password_hash = std::move(*hashed);
  user.created_at = SystemClock().now();
  auto created = store.createUser(user);
  if (!created) return created.takeError();
  std::cerr << "outpost: created the first super admin " << created->email << " with password "
            << password << " (shown once; log in to the console at the HTTP address with it)\n";
  return created;
}

}  // namespace outpost::app
