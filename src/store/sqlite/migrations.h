// Versioned schema migrations: the numbered files of src/store/migrations, embedded in the
// binary, applied in order, each in its own transaction and recorded in schema_migrations.
#pragma once

#include <span>

#include "core/result.h"
#include "store/sqlite/connection.h"

namespace outpost::store::sqlite {

struct Migration {
  int version;
  const char* name;  // "0001_initial"
  const char* sql;
};

// The migrations built into this binary, by increasing version.
std::span<const Migration> embeddedMigrations();

// Applies the migrations newer than the database's version. A database written by a newer
// outpost (a version this binary does not know) is refused: "store.schema_too_new".
Result<void> applyMigrations(Connection& connection, std::span<const Migration> migrations);

}  // namespace outpost::store::sqlite
