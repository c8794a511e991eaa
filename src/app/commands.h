// The `outpost` command line: one function per command; main.cpp declares the flags.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace outpost::app {

int serve(const Config& config);

struct SendOptions {
  std::string url = "http://127.0.0.1:8025";
  std::string key;
  std::string from;
  std::vector<std::string> to, cc, bcc, attach, headers, tags;
  std::string subject, text, html;
};
int send(const SendOptions& options);

struct QueueOptions {
  std::string view = "outbox";
  std::string status;
  std::string query;
  int limit = 50;
  std::string id;
  bool json = false;
};
int queueList(const Config& config, const QueueOptions& options);
int queueShow(const Config& config, const QueueOptions& options);
int queueRetry(const Config& config, const std::string& id);
int queueCancel(const Config& config, const std::string& id);

struct ApiKeyOptions {
  std::string name;
  std::string user;
  std::string scope = "send";
  std::string domains;
};
int apikeyCreate(const Config& config, const ApiKeyOptions& options);

struct UserOptions {
  std::string email;
  std::string role;
  bool password_stdin = false;
};
int userCreate(const Config& config, const UserOptions& options);

int smtpValidate(const Config& config);
struct SmtpTestOptions {
  std::string url = "http://127.0.0.1:8025";
  std::string key;
  std::string to;
  std::string from;
  int wait_seconds = 60;
};
int smtpTest(const SmtpTestOptions& options);

}  // namespace outpost::app
