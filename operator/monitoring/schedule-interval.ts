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
 * GAP_WINDOW_START over a leap year, at most GAP_MAX_RUNS of them: a week of runs every
 * five minutes, so every weekday gap of a schedule that dense is seen. Results are
 * remembered per schedule.
 */
export function scheduleIntervalSeconds(schedule: string): number | undefined {
  if (memo.has(schedule)) return memo.get(schedule);
  const interval = readLongestGap(schedule);
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(schedule, interval);
  return interval;
}

function readLongestGap(schedule: string): number | undefined {
  let times;
  try {
    times = CronExpressionParser.parse(MACROS[schedule] ?? schedule, {
      currentDate: GAP_WINDOW_START,
      endDate: GAP_WINDOW_END,
      tz: 'UTC',
    });
  } catch {
    return undefined; // the check's Ready says why the schedule is unreadable
  }
  let longest: number | undefined;
  let previous: number | undefined;
  for (let run = 0; run < GAP_MAX_RUNS && times.hasNext(); run += 1) {
    const time = times.next().getTime();
    if (previous !== undefined) longest = Math.max(longest ?? 0, (time - previous) / 1000);
    previous = time;
  }
  return longest;
}
