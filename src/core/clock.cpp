#include "core/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace outpost {

UnixMillis SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string formatRfc3339(UnixMillis at) {
  auto seconds = static_cast<std::time_t>(at / 1000);
  int millis = static_cast<int>(at % 1000);
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buffer;
}

bool parseRfc3339(const std::string& text, UnixMillis& out) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() <= 12) {
    out = std::stoll(text) * 1000;
    return true;
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6 ||
      consumed != 19) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  std::size_t position = 19;
  int millis = 0;
  if (position < text.size() && text[position] == '.') {
    ++position;
    int digits = 0;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[position] - '0');
      ++digits;
      ++position;
    }
    if (digits == 0) return false;
    for (; digits < 3; ++digits) millis *= 10;
  }
  int offset_minutes = 0;
  if (position < text.size() && (text[position] == 'Z' || text[position] == 'z')) {
    ++position;
  } else if (position < text.size() && (text[position] == '+' || text[position] == '-')) {
    int offset_hours = 0, offset_mins = 0;
    if (text.size() != position + 6 ||
        std::sscanf(text.c_str() + position + 1, "%2d:%2d", &offset_hours, &offset_mins) != 2) {
      return false;
    }
    offset_minutes = (offset_hours * 60 + offset_mins) * (text[position] == '-' ? -1 : 1);
    position += 6;
  } else {
    return false;
  }
  if (position != text.size()) return false;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t seconds = timegm(&tm);
  out = (static_cast<UnixMillis>(seconds) - offset_minutes * 60LL) * 1000 + millis;
  return true;
}

std::string formatRfc5322Date(UnixMillis at) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto seconds = static_cast<std::time_t>(at / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buffer;
}

}  // namespace outpost
