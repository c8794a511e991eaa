// Opening the data folder: the SQLite database (migrated) and the master key.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/result.h"
#include "core/secret_box.h"
#include "store/store.h"

namespace outpost::app {

struct DataFolder {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<SecretBox> secrets;
};

// Creates the folder on first use. Errors say which file and why.
Result<DataFolder> openDataFolder(const Config& config);

// Creates the first super admin when there is none ("admin@HOSTNAME") and prints its
// password once. Returns the super admin.
Result<store::User> ensureSuperAdmin(store::Store& store, const Config& config);

}  // namespace outpost::app
