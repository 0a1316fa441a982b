// Schedule: when a RetentionPolicy runs, from its spec.schedule. Pure: no
// clock; the caller passes the time to count from. Times are UTC.
//
// Accepted forms (the CRD's pattern admits a superset; Parse is the judge):
//   "@every <n>h[<m>m]", "@every <m>m"  a fixed interval, e.g. "@every 1h30m";
//                                        "@every 1h90m" is 2h30m, as in Go.
//   @yearly @annually @monthly @weekly @daily @midnight @hourly
//                                        0 0 1 1 *, 0 0 1 1 *, 0 0 1 * *,
//                                        0 0 * * 0, 0 0 * * *, 0 0 * * *, 0 * * * *
//   "minute hour day-of-month month day-of-week"  five cron fields, each a
//     comma list of: a number, '*', 'a-b', '*/n', 'a-b/n' or 'a/n' (a to the
//     field's maximum, step n, as Kubernetes CronJob reads it). '?' means '*'.
//     Months may be JAN-DEC and days SUN-SAT, in any case; day-of-week 0 and
//     7 are both Sunday. Ranges: minute 0-59, hour 0-23, day-of-month 1-31,
//     month 1-12, day-of-week 0-7.
//     A day runs when its month matches and: if day-of-month and
//     day-of-week are both restricted, either matches (classic cron);
//     otherwise both match. A field is unrestricted when an element of it is
//     '*' or '?' without a step (or with step 1); "*/2" restricts, as in
//     Kubernetes CronJob.
//
// Errors: Parse returns InvalidArgument naming the schedule, the field and
// the bad token, e.g. `schedule "61 * * * *": minute 61 is out of range
// 0-59`. A cron expression that can never fire (e.g. "0 0 30 2 *") is refused
// with "never fires", so a parsed Schedule always has a next run.
//
// How the controller uses it: pass the policy's last run time, or its
// creation time before the first run, to NextAfter. A result at or before
// now means a run is due; after downtime the controller runs once, not once
// per missed run.
//
// Thread-safety: immutable after Parse; any number of threads may call
// NextAfter at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <variant>

#include "base/status.h"

namespace runledger::controllers {

class Schedule {
 public:
  using Time = std::chrono::system_clock::time_point;

  static Result<Schedule> Parse(std::string_view spec);

  // The next run strictly after `t`.
  //   @every d: t + d (runs are anchored to the last run, not to the clock).
  //   cron and macros: the first whole UTC minute matching the fields that
  //   is strictly after t (t exactly on a matching minute gives the next one).
  // Time::max() when that run is past what Time can represent (year 2262).
  Time NextAfter(Time t) const;

 private:
  // One bit per allowed value: bit v set means value v matches.
  struct CronFields {
    std::uint64_t minutes = 0;        // bits 0-59
    std::uint32_t hours = 0;          // bits 0-23
    std::uint32_t days_of_month = 0;  // bits 1-31
    std::uint16_t months = 0;         // bits 1-12
    std::uint8_t days_of_week = 0;    // bits 0-6, 0 = Sunday
    bool day_of_month_star = false;
    bool day_of_week_star = false;
  };

  // An @every interval, or cron fields (macros are cron fields too).
  using Rule = std::variant<std::chrono::minutes, CronFields>;

  explicit Schedule(Rule rule) : rule_(rule) {}

  static Result<Rule> ParseRule(std::string_view spec);
  static Result<CronFields> ParseCron(std::string_view fields);
  static bool DayMatches(const CronFields& cron, std::chrono::sys_days day);
  static Time NextCronRun(const CronFields& cron, Time t);

  Rule rule_;
};

}  // namespace runledger::controllers
