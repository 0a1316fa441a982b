// Schedule: parsing spec.schedule and finding a RetentionPolicy's next run.
#include "controllers/schedule.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"

namespace runledger::controllers {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::sys_time;

constexpr std::string_view kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::string_view kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// One of the five cron fields: its name in messages, its range and the names
// its values may be written as (names[i] is the value first_named + i).
struct Field {
  std::string_view name;
  int min;
  int max;
  std::span<const std::string_view> names;
  int first_named;
  std::string_view names_hint;
};

constexpr Field kMinute{"minute", 0, 59, {}, 0, ""};
constexpr Field kHour{"hour", 0, 23, {}, 0, ""};
constexpr Field kDayOfMonth{"day-of-month", 1, 31, {}, 0, ""};
constexpr Field kMonth{"month", 1, 12, kMonthNames, 1, " or a month name (JAN-DEC)"};
// 7 is Sunday too; ParseCron folds it into 0.
constexpr Field kDayOfWeek{"day-of-week", 0, 7, kDayNames, 0, " or a day name (SUN-SAT)"};

struct Macro {
  std::string_view name;
  std::string_view fields;
};
constexpr Macro kMacros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

// Days NextCronRun looks ahead. Feb 29 alone is the sparsest day a parsed
// schedule can have: 8 years apart around 2100 (2096, 2104).
constexpr int kSearchDays = 9 * 366;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The value of a string of decimal digits, saturated at INT_MAX; nullopt when
// empty or not all digits.
std::optional<int> ParseDigits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  long long value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = std::min<long long>(value * 10 + (c - '0'), INT_MAX);
  }
  return static_cast<int>(value);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
    return upper(x) == upper(y);
  });
}

std::vector<std::string_view> SplitOn(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (size_t end; (end = s.find(separator)) != std::string_view::npos; s.remove_prefix(end + 1)) {
    parts.push_back(s.substr(0, end));
  }
  parts.push_back(s);
  return parts;
}

std::vector<std::string_view> SplitOnSpace(std::string_view s) {
  std::vector<std::string_view> words;
  while (true) {
    s = TrimSpace(s);
    if (s.empty()) return words;
    const auto end = std::find_if(s.begin(), s.end(), IsAsciiSpace);
    words.push_back(s.substr(0, end - s.begin()));
    s.remove_prefix(end - s.begin());
  }
}

Result<int> ParseValue(const Field& field, std::string_view token) {
  const std::optional<int> number = ParseDigits(token);
  if (!number) {
    for (size_t i = 0; i < field.names.size(); ++i) {
      if (EqualsIgnoreCase(token, field.names[i])) return field.first_named + static_cast<int>(i);
    }
    return InvalidArgument(std::string(field.name) + " " + Quoted(token) + " is not a number" +
                           std::string(field.names_hint));
  }
  if (*number < field.min || *number > field.max) {
    return InvalidArgument(std::string(field.name) + " " + std::string(token) +
                           " is out of range " + std::to_string(field.min) + "-" +
                           std::to_string(field.max));
  }
  return *number;
}

struct FieldBits {
  std::uint64_t bits = 0;  // bit v: value v matches.
  bool star = false;       // An element is '*' or '?' with no step but 1.
};

// One list element: a value, '*', '?' or 'a-b', optionally with '/step'.
Status ParseElement(const Field& field, std::string_view element, FieldBits& out) {
  auto malformed = [&] {
    return InvalidArgument(std::string(field.name) + " " + Quoted(element) +
                           " is malformed (expected a number, a-b or *, each optionally /step)");
  };
  const size_t slash = element.find('/');
  const std::string_view base = element.substr(0, slash);
  int step = 1;
  if (slash != std::string_view::npos) {
    const std::string_view step_text = element.substr(slash + 1);
    const std::optional<int> parsed = ParseDigits(step_text);
    if (!parsed) return malformed();
    if (*parsed == 0) {
      return InvalidArgument(std::string(field.name) + " step 0 in " + Quoted(element) +
                             " must be at least 1");
    }
    step = *parsed;
  }
  int first;
  int last;
  if (base == "*" || base == "?") {
    first = field.min;
    last = field.max;
    out.star = out.star || step == 1;
  } else if (const size_t dash = base.find('-'); dash != std::string_view::npos) {
    const std::string_view low = base.substr(0, dash);
    const std::string_view high = base.substr(dash + 1);
    if (low.empty() || high.empty() || high.find('-') != std::string_view::npos) {
      return malformed();
    }
    ASSIGN_OR_RETURN(first, ParseValue(field, low));
    ASSIGN_OR_RETURN(last, ParseValue(field, high));
    if (first > last) {
      return InvalidArgument(std::string(field.name) + " range " + std::string(base) +
                             " is reversed (its start is after its end)");
    }
  } else {
    if (base.empty()) return malformed();
    ASSIGN_OR_RETURN(first, ParseValue(field, base));
    // "a/n" steps from a to the field's end, as Kubernetes CronJob reads it.
    last = slash == std::string_view::npos ? first : field.max;
  }
  for (int v = first; v <= last; v += step) out.bits |= std::uint64_t{1} << v;
  return Status::Ok();
}

Result<FieldBits> ParseField(const Field& field, std::string_view text) {
  FieldBits result;
  for (std::string_view element : SplitOn(text, ',')) {
    if (element.empty()) {
      return InvalidArgument(std::string(field.name) + " " + Quoted(text) +
                             " has an empty list element");
    }
    RETURN_IF_ERROR(ParseElement(field, element, result));
  }
  return result;
}

Result<minutes> ParseEvery(std::string_view interval) {
  auto malformed = [&] {
    return InvalidArgument("@every " + Quoted(interval) +
                           ": expected <n>h[<m>m] or <n>m, e.g. \"1h30m\" or \"90m\"");
  };
  minutes total{0};
  bool seen_hours = false;
  bool seen_minutes = false;
  std::string_view rest = interval;
  while (!rest.empty()) {
    const auto digits_end =
        std::find_if(rest.begin(), rest.end(), [](char c) { return c < '0' || c > '9'; });
    const size_t digits = digits_end - rest.begin();
    if (digits == 0 || digits == rest.size()) return malformed();
    const int n = *ParseDigits(rest.substr(0, digits));
    const char unit = rest[digits];
    if (unit == 'h' && !seen_hours && !seen_minutes) {
      total += std::chrono::hours(n);
      seen_hours = true;
    } else if (unit == 'm' && !seen_minutes) {
      total += minutes(n);
      seen_minutes = true;
    } else {
      return malformed();
    }
    rest.remove_prefix(digits + 1);
  }
  if (!seen_hours && !seen_minutes) return malformed();
  if (total == minutes(0)) return InvalidArgument("@every interval must be longer than 0m");
  return total;
}

// Time::max() beyond what Time can represent.
Schedule::Time ToTime(sys_time<minutes> t) {
  if (t > floor<minutes>(Schedule::Time::max())) return Schedule::Time::max();
  return std::chrono::time_point_cast<Schedule::Time::duration>(t);
}

}  // namespace

Result<Schedule> Schedule::Parse(std::string_view spec) {
  Result<Rule> rule = ParseRule(TrimSpace(spec));
  if (!rule.ok()) return rule.status().WithContext("schedule " + Quoted(spec));
  return Schedule(*rule);
}

Result<Schedule::Rule> Schedule::ParseRule(std::string_view spec) {
  if (spec.empty()) {
    return InvalidArgument(
        "is empty; expected \"@every <n>h[<m>m]\", \"@every <n>m\", a macro such as @daily, "
        "or five cron fields");
  }
  if (spec.front() != '@') {
    ASSIGN_OR_RETURN(CronFields cron, ParseCron(spec));
    return Rule(cron);
  }
  const size_t space = std::find_if(spec.begin(), spec.end(), IsAsciiSpace) - spec.begin();
  const std::string_view name = spec.substr(0, space);
  const std::string_view argument = TrimSpace(spec.substr(space));
  if (name == "@every") {
    ASSIGN_OR_RETURN(minutes interval, ParseEvery(argument));
    return Rule(interval);
  }
  for (const Macro& macro : kMacros) {
    if (name != macro.name) continue;
    if (!argument.empty()) return InvalidArgument(std::string(name) + " takes no argument");
    ASSIGN_OR_RETURN(CronFields cron, ParseCron(macro.fields));
    return Rule(cron);
  }
  return InvalidArgument("unknown macro " + Quoted(name) +
                         " (expected @every, @yearly, @annually, @monthly, @weekly, @daily, "
                         "@midnight or @hourly)");
}

Result<Schedule::CronFields> Schedule::ParseCron(std::string_view text) {
  const std::vector<std::string_view> fields = SplitOnSpace(text);
  if (fields.size() != 5) {
    return InvalidArgument("expected 5 fields (minute hour day-of-month month day-of-week), got " +
                           std::to_string(fields.size()));
  }
  ASSIGN_OR_RETURN(const FieldBits minute, ParseField(kMinute, fields[0]));
  ASSIGN_OR_RETURN(const FieldBits hour, ParseField(kHour, fields[1]));
  ASSIGN_OR_RETURN(const FieldBits day_of_month, ParseField(kDayOfMonth, fields[2]));
  ASSIGN_OR_RETURN(const FieldBits month, ParseField(kMonth, fields[3]));
  ASSIGN_OR_RETURN(const FieldBits day_of_week, ParseField(kDayOfWeek, fields[4]));
  CronFields cron;
  cron.minutes = minute.bits;
  cron.hours = static_cast<std::uint32_t>(hour.bits);
  cron.days_of_month = static_cast<std::uint32_t>(day_of_month.bits);
  cron.months = static_cast<std::uint16_t>(month.bits);
  constexpr std::uint64_t kSunday7 = std::uint64_t{1} << 7;
  cron.days_of_week = static_cast<std::uint8_t>((day_of_week.bits & ~kSunday7) |
                                                (day_of_week.bits & kSunday7 ? 1 : 0));
  cron.day_of_month_star = day_of_month.star;
  cron.day_of_week_star = day_of_week.star;

  // Only day-of-month ANDed with month can rule out every day: a restricted
  // day-of-week allows a day in every week, whether ANDed or ORed.
  if (cron.day_of_month_star || !cron.day_of_week_star) return cron;
  for (unsigned m = 1; m <= 12; ++m) {
    if (!(cron.months >> m & 1)) continue;
    // Leap year 2000: Feb 29 counts, it comes every 4 (at most 8) years.
    const unsigned last_day = static_cast<unsigned>(
        std::chrono::year_month_day_last(std::chrono::year(2000),
                                         std::chrono::month_day_last(std::chrono::month(m)))
            .day());
    const std::uint64_t days_in_month =
        ((std::uint64_t{1} << (last_day + 1)) - 1) & ~std::uint64_t{1};
    if (cron.days_of_month & days_in_month) return cron;
  }
  return InvalidArgument("never fires: day-of-month " + std::string(fields[2]) +
                         " does not occur in month " + std::string(fields[3]));
}

bool Schedule::DayMatches(const CronFields& cron, sys_days day) {
  const std::chrono::year_month_day date(day);
  if (!(cron.months >> static_cast<unsigned>(date.month()) & 1)) return false;
  const bool day_of_month = cron.days_of_month >> static_cast<unsigned>(date.day()) & 1;
  const bool day_of_week = cron.days_of_week >> std::chrono::weekday(day).c_encoding() & 1;
  if (cron.day_of_month_star || cron.day_of_week_star) return day_of_month && day_of_week;
  return day_of_month || day_of_week;
}

Schedule::Time Schedule::NextCronRun(const CronFields& cron, Time t) {
  const sys_time<minutes> start = floor<minutes>(t) + minutes(1);
  sys_days day = floor<days>(start);
  const int start_minute_of_day = static_cast<int>((start - day).count());
  for (int i = 0; i < kSearchDays; ++i, day += days(1)) {
    if (!DayMatches(cron, day)) continue;
    const int from = i == 0 ? start_minute_of_day : 0;
    for (int hour = from / 60; hour < 24; ++hour) {
      if (!(cron.hours >> hour & 1)) continue;
      const int from_minute = hour == from / 60 ? from % 60 : 0;
      const std::uint64_t later_minutes = cron.minutes >> from_minute << from_minute;
      if (later_minutes == 0) continue;
      return ToTime(day + std::chrono::hours(hour) + minutes(std::countr_zero(later_minutes)));
    }
  }
  return Time::max();  // Unreachable for a parsed schedule (see kSearchDays).
}

Schedule::Time Schedule::NextAfter(Time t) const {
  if (const CronFields* cron = std::get_if<CronFields>(&rule_)) return NextCronRun(*cron, t);
  const minutes interval = std::get<minutes>(rule_);
  // Compared in minutes: a long interval in Time's nanoseconds would overflow.
  const minutes headroom = floor<minutes>(Time::max().time_since_epoch()) -
                           std::chrono::ceil<minutes>(t.time_since_epoch());
  if (interval > headroom) return Time::max();
  return t + interval;
}

}  // namespace runledger::controllers
