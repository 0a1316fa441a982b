// Schedule: each spec.schedule form, the next run it gives, and the messages
// a bad schedule is refused with.
#include "controllers/schedule.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace runledger::controllers {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Time = Schedule::Time;

// "YYYY-MM-DD HH:MM" in UTC.
Time At(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi), 5) << text;
  const std::chrono::sys_days day = std::chrono::year(y) / mo / d;
  return Time(day) + hours(h) + minutes(mi);
}

std::string Format(Time t) {
  if (t == Time::max()) return "never";
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(std::chrono::floor<seconds>(t - day));
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02ld:%02ld", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()));
  return text;
}

// The next run of `spec` after `from`, formatted, or the parse error.
std::string Next(const std::string& spec, Time from) {
  Result<Schedule> schedule = Schedule::Parse(spec);
  if (!schedule.ok()) return schedule.status().ToString();
  return Format(schedule->NextAfter(from));
}
std::string Next(const std::string& spec, const std::string& from) { return Next(spec, At(from)); }

// The message `spec` is refused with, after checking it is InvalidArgument.
std::string Refusal(const std::string& spec) {
  Result<Schedule> schedule = Schedule::Parse(spec);
  if (schedule.ok()) return "accepted";
  EXPECT_EQ(schedule.status().code(), Code::kInvalidArgument) << spec;
  return schedule.status().message();
}

TEST(ScheduleEvery, HoursIsLastRunPlusInterval) {
  const Time last = At("2024-01-01 03:17") + seconds(42);
  Result<Schedule> schedule = Schedule::Parse("@every 1h");
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(schedule->NextAfter(last), last + hours(1));
}

TEST(ScheduleEvery, HoursAndMinutes) {
  const Time last = At("2024-01-01 03:17");
  Result<Schedule> schedule = Schedule::Parse("@every 2h30m");
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(schedule->NextAfter(last), last + minutes(150));
}

TEST(ScheduleEvery, MinutesOnly) {
  const Time last = At("2024-01-01 23:00");
  Result<Schedule> schedule = Schedule::Parse("@every 90m");
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(schedule->NextAfter(last), last + minutes(90));
}

TEST(ScheduleEvery, MinutesOfSixtyOrMoreAddToTheHours) {
  EXPECT_EQ(Next("@every 1h90m", "2024-01-01 00:00"), "2024-01-01 02:30");
}

TEST(ScheduleEvery, ZeroIntervalIsRefused) {
  EXPECT_EQ(Refusal("@every 0m"), "schedule \"@every 0m\": @every interval must be longer than 0m");
  EXPECT_EQ(Refusal("@every 0h0m"),
            "schedule \"@every 0h0m\": @every interval must be longer than 0m");
}

TEST(ScheduleEvery, MalformedIntervalIsRefused) {
  EXPECT_EQ(Refusal("@every 1s"),
            "schedule \"@every 1s\": @every \"1s\": expected <n>h[<m>m] or <n>m, e.g. \"1h30m\" "
            "or \"90m\"");
  for (const char* spec : {"@every", "@every 1", "@every h", "@every 30m1h", "@every 1h1h",
                           "@every -1h", "@every 1.5h", "@every 1h 30m"}) {
    EXPECT_NE(Refusal(spec).find("expected <n>h[<m>m] or <n>m"), std::string::npos) << spec;
  }
}

TEST(ScheduleEvery, IntervalPastTheEndOfTimeIsNever) {
  EXPECT_EQ(Next("@every 99999999h", "2024-01-01 00:00"), "never");
}

TEST(ScheduleMacro, YearlyAndAnnuallyRunOnJanuaryFirst) {
  EXPECT_EQ(Next("@yearly", "2024-06-15 10:00"), "2025-01-01 00:00");
  EXPECT_EQ(Next("@annually", "2024-06-15 10:00"), "2025-01-01 00:00");
}

TEST(ScheduleMacro, MonthlyRunsOnTheFirst) {
  EXPECT_EQ(Next("@monthly", "2024-06-15 10:00"), "2024-07-01 00:00");
}

TEST(ScheduleMacro, WeeklyRunsOnSundayMidnight) {
  EXPECT_EQ(Next("@weekly", "2024-06-15 10:00"), "2024-06-16 00:00");  // Saturday -> Sunday.
}

TEST(ScheduleMacro, DailyAndMidnightRunAtMidnight) {
  EXPECT_EQ(Next("@daily", "2024-06-15 10:00"), "2024-06-16 00:00");
  EXPECT_EQ(Next("@midnight", "2024-06-15 10:00"), "2024-06-16 00:00");
}

TEST(ScheduleMacro, HourlyRunsOnTheHour) {
  EXPECT_EQ(Next("@hourly", "2024-06-15 10:00"), "2024-06-15 11:00");
}

TEST(ScheduleMacro, UnknownOrMisspelledMacroIsRefused) {
  EXPECT_EQ(Refusal("@fortnightly"),
            "schedule \"@fortnightly\": unknown macro \"@fortnightly\" (expected @every, @yearly, "
            "@annually, @monthly, @weekly, @daily, @midnight or @hourly)");
  EXPECT_NE(Refusal("@DAILY").find("unknown macro \"@DAILY\""), std::string::npos);
}

TEST(ScheduleMacro, MacroWithAnArgumentIsRefused) {
  EXPECT_EQ(Refusal("@daily 5"), "schedule \"@daily 5\": @daily takes no argument");
}

TEST(ScheduleCron, FixedTimeOfDay) {
  EXPECT_EQ(Next("30 3 * * *", "2024-01-01 00:00"), "2024-01-01 03:30");
}

TEST(ScheduleCron, ExactlyOnAMatchingMinuteGivesTheNextOne) {
  EXPECT_EQ(Next("30 3 * * *", "2024-01-01 03:30"), "2024-01-02 03:30");
  EXPECT_EQ(Next("* * * * *", "2024-01-01 03:30"), "2024-01-01 03:31");
}

TEST(ScheduleCron, SecondsIntoAMatchingMinuteGiveTheNextOne) {
  EXPECT_EQ(Next("30 3 * * *", At("2024-01-01 03:30") + seconds(30)), "2024-01-02 03:30");
  EXPECT_EQ(Next("30 3 * * *", At("2024-01-01 03:29") + seconds(59)), "2024-01-01 03:30");
}

TEST(ScheduleCron, ListOfMinutes) {
  EXPECT_EQ(Next("0,15,45 * * * *", "2024-01-01 10:15"), "2024-01-01 10:45");
  EXPECT_EQ(Next("0,15,45 * * * *", "2024-01-01 10:45"), "2024-01-01 11:00");
}

TEST(ScheduleCron, RangeOfHoursWrapsToTheNextDay) {
  EXPECT_EQ(Next("0 9-17 * * *", "2024-01-01 12:00"), "2024-01-01 13:00");
  EXPECT_EQ(Next("0 9-17 * * *", "2024-01-01 17:00"), "2024-01-02 09:00");
}

TEST(ScheduleCron, StepOverTheWholeField) {
  EXPECT_EQ(Next("*/20 * * * *", "2024-01-01 10:41"), "2024-01-01 11:00");
  EXPECT_EQ(Next("0 0 * */3 *", "2024-02-01 00:00"), "2024-04-01 00:00");  // 1, 4, 7, 10.
}

TEST(ScheduleCron, StepOverARange) {
  EXPECT_EQ(Next("10-30/10 * * * *", "2024-01-01 10:21"), "2024-01-01 10:30");
  EXPECT_EQ(Next("10-30/10 * * * *", "2024-01-01 10:30"), "2024-01-01 11:10");
}

TEST(ScheduleCron, StepFromAValueRunsToTheFieldsEnd) {
  EXPECT_EQ(Next("5/20 * * * *", "2024-01-01 10:30"), "2024-01-01 10:45");
  EXPECT_EQ(Next("5/20 * * * *", "2024-01-01 10:45"), "2024-01-01 11:05");
}

TEST(ScheduleCron, ListMixingValuesRangesAndSteps) {
  // Hours 0, 1, 5, 6, 7, 12.
  EXPECT_EQ(Next("0 1,5-7,*/12 * * *", "2024-01-01 01:00"), "2024-01-01 05:00");
  EXPECT_EQ(Next("0 1,5-7,*/12 * * *", "2024-01-01 07:00"), "2024-01-01 12:00");
  EXPECT_EQ(Next("0 1,5-7,*/12 * * *", "2024-01-01 12:00"), "2024-01-02 00:00");
}

TEST(ScheduleCron, MonthNamesInAnyCase) {
  EXPECT_EQ(Next("0 0 1 jan,Jul *", "2024-02-01 00:00"), "2024-07-01 00:00");
  EXPECT_EQ(Next("0 0 1 MAR-may *", "2024-05-01 00:00"), "2025-03-01 00:00");
}

TEST(ScheduleCron, DayNamesInAnyCase) {
  // 2024-01-05 is a Friday.
  EXPECT_EQ(Next("0 9 * * MON-FRI", "2024-01-05 09:00"), "2024-01-08 09:00");
  EXPECT_EQ(Next("0 9 * * sat", "2024-01-05 09:00"), "2024-01-06 09:00");
}

TEST(ScheduleCron, DayOfWeekSevenIsSunday) {
  // 2024-01-01 is a Monday, 2024-01-07 a Sunday.
  EXPECT_EQ(Next("0 0 * * 7", "2024-01-01 00:00"), "2024-01-07 00:00");
  EXPECT_EQ(Next("0 0 * * 0", "2024-01-01 00:00"), "2024-01-07 00:00");
  EXPECT_EQ(Next("0 0 * * 6-7", "2024-01-06 00:00"), "2024-01-07 00:00");
}

TEST(ScheduleCron, RestrictedDayOfMonthAndDayOfWeekRunOnEither) {
  // The 13th or any Friday: Fri 5th, Fri 12th, Sat 13th, Fri 19th.
  EXPECT_EQ(Next("0 0 13 * FRI", "2024-01-01 00:00"), "2024-01-05 00:00");
  EXPECT_EQ(Next("0 0 13 * FRI", "2024-01-05 00:00"), "2024-01-12 00:00");
  EXPECT_EQ(Next("0 0 13 * FRI", "2024-01-12 00:00"), "2024-01-13 00:00");
  EXPECT_EQ(Next("0 0 13 * FRI", "2024-01-13 00:00"), "2024-01-19 00:00");
}

TEST(ScheduleCron, StarDayOfWeekLeavesOnlyTheDayOfMonth) {
  EXPECT_EQ(Next("0 0 13 * *", "2024-01-01 00:00"), "2024-01-13 00:00");
}

TEST(ScheduleCron, StarDayOfMonthLeavesOnlyTheDayOfWeek) {
  EXPECT_EQ(Next("0 0 * * FRI", "2024-01-01 00:00"), "2024-01-05 00:00");
}

TEST(ScheduleCron, QuestionMarkIsUnrestricted) {
  EXPECT_EQ(Next("0 0 ? * MON", "2024-01-01 00:00"), "2024-01-08 00:00");
}

TEST(ScheduleCron, SteppedDayOfMonthIsRestricted) {
  // Days 1, 11, 21, 31 or Mondays (2024-01-01, -08, -15).
  EXPECT_EQ(Next("0 0 */10 * MON", "2024-01-01 00:00"), "2024-01-08 00:00");
  EXPECT_EQ(Next("0 0 */10 * MON", "2024-01-08 00:00"), "2024-01-11 00:00");
  EXPECT_EQ(Next("0 0 */10 * MON", "2024-01-11 00:00"), "2024-01-15 00:00");
}

TEST(ScheduleCron, MonthRolloverSkipsShortMonths) {
  EXPECT_EQ(Next("0 0 31 * *", "2024-01-31 00:00"), "2024-03-31 00:00");
  EXPECT_EQ(Next("0 12 * * *", "2024-04-30 12:00"), "2024-05-01 12:00");
}

TEST(ScheduleCron, YearRollover) {
  EXPECT_EQ(Next("0 0 * * *", "2024-12-31 23:59"), "2025-01-01 00:00");
  EXPECT_EQ(Next("59 23 31 12 *", "2024-12-31 23:59"), "2025-12-31 23:59");
}

TEST(ScheduleCron, LeapDayRunsEveryLeapYear) {
  EXPECT_EQ(Next("0 0 29 2 *", "2024-01-01 00:00"), "2024-02-29 00:00");
  EXPECT_EQ(Next("0 0 29 2 *", "2024-02-29 00:00"), "2028-02-29 00:00");
}

TEST(ScheduleCron, LeapDaySkipsTheCenturyThatIsNotLeap) {
  EXPECT_EQ(Next("0 0 29 2 *", "2096-02-29 00:00"), "2104-02-29 00:00");
}

TEST(ScheduleCron, ExtraSpacesAroundAndBetweenFieldsAreAccepted) {
  EXPECT_EQ(Next("  30  3 * *\t*  ", "2024-01-01 00:00"), "2024-01-01 03:30");
}

TEST(ScheduleCron, NoRunBeforeTheEndOfTimeIsNever) {
  EXPECT_EQ(Next("0 0 29 2 *", Time::max()), "never");
  // Time's last whole minute is 2262-04-11 23:47; nothing comes after it.
  const Time last_minute = std::chrono::floor<minutes>(Time::max());
  EXPECT_EQ(Next("* * * * *", last_minute - minutes(1)), "2262-04-11 23:47");
  EXPECT_EQ(Next("* * * * *", last_minute), "never");
}

TEST(ScheduleCronErrors, OutOfRangeValueNamesFieldAndRange) {
  EXPECT_EQ(Refusal("61 * * * *"), "schedule \"61 * * * *\": minute 61 is out of range 0-59");
  EXPECT_EQ(Refusal("* 24 * * *"), "schedule \"* 24 * * *\": hour 24 is out of range 0-23");
  EXPECT_EQ(Refusal("* * 0 * *"), "schedule \"* * 0 * *\": day-of-month 0 is out of range 1-31");
  EXPECT_EQ(Refusal("* * 32 * *"), "schedule \"* * 32 * *\": day-of-month 32 is out of range 1-31");
  EXPECT_EQ(Refusal("* * * 13 *"), "schedule \"* * * 13 *\": month 13 is out of range 1-12");
  EXPECT_EQ(Refusal("* * * * 8"), "schedule \"* * * * 8\": day-of-week 8 is out of range 0-7");
  EXPECT_EQ(Refusal("1-99999999999 * * * *"),
            "schedule \"1-99999999999 * * * *\": minute 99999999999 is out of range 0-59");
}

TEST(ScheduleCronErrors, NotANumberNamesTheToken) {
  EXPECT_EQ(Refusal("x * * * *"), "schedule \"x * * * *\": minute \"x\" is not a number");
  EXPECT_EQ(Refusal("* MON * * *"), "schedule \"* MON * * *\": hour \"MON\" is not a number");
  EXPECT_EQ(Refusal("* * * FOO *"),
            "schedule \"* * * FOO *\": month \"FOO\" is not a number or a month name (JAN-DEC)");
  EXPECT_EQ(Refusal("* * * * MONDAY"),
            "schedule \"* * * * MONDAY\": day-of-week \"MONDAY\" is not a number or a day name "
            "(SUN-SAT)");
}

TEST(ScheduleCronErrors, MalformedElementIsQuoted) {
  EXPECT_EQ(Refusal("1-2-3 * * * *"),
            "schedule \"1-2-3 * * * *\": minute \"1-2-3\" is malformed (expected a number, a-b "
            "or *, each optionally /step)");
  for (const char* spec :
       {"1- * * * *", "-1 * * * *", "/5 * * * *", "*/ * * * *", "*/x * * * *", "*/2/2 * * * *"}) {
    EXPECT_NE(Refusal(spec).find("is malformed"), std::string::npos) << spec;
  }
}

TEST(ScheduleCronErrors, ZeroStepIsRefused) {
  EXPECT_EQ(Refusal("*/0 * * * *"),
            "schedule \"*/0 * * * *\": minute step 0 in \"*/0\" must be at least 1");
}

TEST(ScheduleCronErrors, EmptyListElementIsRefused) {
  EXPECT_EQ(Refusal("1,,2 * * * *"),
            "schedule \"1,,2 * * * *\": minute \"1,,2\" has an empty list element");
  EXPECT_EQ(Refusal("* * * * MON,"),
            "schedule \"* * * * MON,\": day-of-week \"MON,\" has an empty list element");
}

TEST(ScheduleCronErrors, ReversedRangeIsRefused) {
  EXPECT_EQ(Refusal("* 5-2 * * *"),
            "schedule \"* 5-2 * * *\": hour range 5-2 is reversed (its start is after its end)");
  EXPECT_NE(Refusal("* * * * SAT-SUN").find("range SAT-SUN is reversed"), std::string::npos);
}

TEST(ScheduleCronErrors, WrongNumberOfFieldsIsRefused) {
  EXPECT_EQ(Refusal("* * * *"),
            "schedule \"* * * *\": expected 5 fields (minute hour day-of-month month "
            "day-of-week), got 4");
  EXPECT_NE(Refusal("0 * * * * *").find("got 6"), std::string::npos);
}

TEST(ScheduleCronErrors, EmptyScheduleIsRefused) {
  EXPECT_NE(Refusal("").find("schedule \"\": is empty"), std::string::npos);
  EXPECT_NE(Refusal("   ").find("is empty"), std::string::npos);
}

TEST(ScheduleCronErrors, DayThatNeverOccursInItsMonthIsRefused) {
  EXPECT_EQ(Refusal("0 0 30 2 *"),
            "schedule \"0 0 30 2 *\": never fires: day-of-month 30 does not occur in month 2");
  EXPECT_NE(Refusal("0 0 31 4,6,9,11 *").find("never fires"), std::string::npos);
  EXPECT_NE(Refusal("0 0 30,31 feb *").find("never fires"), std::string::npos);
}

TEST(ScheduleCronErrors, ImpossibleDayOfMonthWithADayOfWeekStillFires) {
  // Either rule: the Mondays of February run. 2025-02-03 is a Monday.
  EXPECT_EQ(Next("0 0 30 2 MON", "2025-01-01 00:00"), "2025-02-03 00:00");
}

}  // namespace
}  // namespace runledger::controllers
