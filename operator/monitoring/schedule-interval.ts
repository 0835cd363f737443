// The interval a check's staleness is judged by: the longest time its schedule leaves
// between two runs, so a weekday or monthly schedule is not stale over its own gaps.
import { CronExpressionParser } from 'cron-parser';
import { GAP_MAX_RUNS, GAP_WINDOW_END, GAP_WINDOW_START } from '../controller/plan-limits.ts';

// The CronJob controller's macros.
const MACROS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
};

const memo = new Map<string, number | undefined>();
const MEMO_SIZE = 1024;

/**
 * scheduleIntervalSeconds is the longest gap between two consecutive fire times of a cron
 * schedule (or @macro), or undefined when it fires at most once in the window or cannot be
 * read. Fire times are read on the wall clock (UTC, as the plan's shortest gap is), from
 * GAP_WINDOW_START over a leap year. A cron schedule fires at the same times of day on
 * every day it fires, so its gaps are of two kinds, both seen whatever its density:
 * within a day, the same on every firing day, read from its first GAP_MAX_RUNS fire times
 * (a whole day of runs every minute); and across midnight, read exactly at every midnight
 * of the window from the fire times before and after it. Results are remembered per
 * schedule.
 */
export function scheduleIntervalSeconds(schedule: string): number | undefined {
  if (memo.has(schedule)) return memo.get(schedule);
  const interval = readLongestGap(schedule);
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(schedule, interval);
  return interval;
}

type FireTimes = ReturnType<typeof CronExpressionParser.parse>;

function readLongestGap(schedule: string): number | undefined {
  let times: FireTimes;
  try {
    times = CronExpressionParser.parse(MACROS[schedule] ?? schedule, {
      currentDate: GAP_WINDOW_START,
      endDate: GAP_WINDOW_END,
      tz: 'UTC',
    });
  } catch {
    return undefined; // the check's Ready says why the schedule is unreadable
  }
  const withinDays = longestGapOfFirstRuns(times);
  if (withinDays === undefined) return undefined;
  return Math.max(withinDays, longestGapAcrossMidnights(times));
}

// longestGapOfFirstRuns: the longest gap among the first GAP_MAX_RUNS fire times.
function longestGapOfFirstRuns(times: FireTimes): number | undefined {
  let longest: number | undefined;
  let previous: number | undefined;
  for (let run = 0; run < GAP_MAX_RUNS && times.hasNext(); run += 1) {
    const time = times.next().getTime();
    if (previous !== undefined) longest = Math.max(longest ?? 0, (time - previous) / 1000);
    previous = time;
  }
  return longest;
}

const DAY_MS = 24 * 3600 * 1000;

/** PROBE_OFFSET_MS: fire times are on whole minutes, so a probe is never one. */
const PROBE_OFFSET_MS = 30_000;

// longestGapAcrossMidnights: the longest gap that holds a midnight of the window, from the
// fire times on either side of a probe just after each midnight.
function longestGapAcrossMidnights(times: FireTimes): number {
  let longest = 0;
  const end = GAP_WINDOW_END.getTime();
  for (let day = GAP_WINDOW_START.getTime(); day < end; day += DAY_MS) {
    const probe = new Date(day + PROBE_OFFSET_MS);
    times.reset(probe);
    if (!times.hasNext() || !times.hasPrev()) continue;
    const next = times.next().getTime();
    times.reset(probe);
    const previous = times.prev().getTime();
    longest = Math.max(longest, (next - previous) / 1000);
  }
  return longest;
}
