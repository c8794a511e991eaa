// Result<T>: the value of a fallible call, or the Error that says why it failed.
// Errors cross module lines as values, never as exceptions; each one keeps whether
// it is temporary (retry later) or permanent, and the text a person can act on.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace outpost {

struct Error {
  std::string code;     // stable, machine-readable: "smtp.timeout", "store.unavailable"
  std::string message;  // what happened and, where it helps, what to do, for a person
  bool temporary = false;

  static Error temporaryFailure(std::string code, std::string message) {
    return Error{std::move(code), std::move(message), true};
  }
  static Error permanentFailure(std::string code, std::string message) {
    return Error{std::move(code), std::move(message), false};
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& takeError() {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(failed_);
    return error_;
  }
  Error&& takeError() {
    assert(failed_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool failed_ = false;
};

inline Result<void> success() { return {}; }

}  // namespace outpost
