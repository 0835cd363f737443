import { CronExpressionParser } from 'cron-parser';

const MACROS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
};

/** MEMO_LIMIT bounds the remembered schedules: tenants choose them, so they are not few. */
const MEMO_LIMIT = 10_000;

// Remembered: the next time of a schedule, found from `from`. It is also the answer for
// any time in [from, next): no time of the schedule lies between.
interface Remembered {
  readonly from: number;
  readonly next: Date;
}
const remembered = new Map<string, Remembered>();

/**
 * nextScheduleTime is when the CronJob controller will next start a run of `schedule`
 * (cron or @macro) in `timeZone` (default UTC), strictly after `after`. Every reconcile
 * asks it; parsing the expression costs more than the rest of the plan, so each schedule's
 * answer is kept until `after` reaches it.
 */
export function nextScheduleTime(
  schedule: string,
  timeZone: string | undefined,
  after: Date,
): Date {
  const tz = timeZone ?? 'UTC';
  const key = `${tz} ${schedule}`;
  const at = after.getTime();
  const known = remembered.get(key);
  if (known !== undefined && known.from <= at && at < known.next.getTime()) {
    return new Date(known.next);
  }
  const expression = MACROS[schedule] ?? schedule;
  const next = CronExpressionParser.parse(expression, { currentDate: after, tz }).next().toDate();
  if (remembered.size >= MEMO_LIMIT) remembered.clear();
  remembered.set(key, { from: at, next: new Date(next) });
  return next;
}

/**
 * toKubeTime renders a time as Kubernetes does: RFC 3339, seconds precision, UTC. It takes
 * strings too: objects from a watch carry times as text, objects from a list as Dates.
 */
export function toKubeTime(time: Date | string): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
