import { CronExpressionParser } from 'cron-parser';

const MACROS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
};

/**
 * nextScheduleTime is when the CronJob controller will next start a run of `schedule`
 * (cron or @macro) in `timeZone` (default UTC), strictly after `after`.
 */
export function nextScheduleTime(
  schedule: string,
  timeZone: string | undefined,
  after: Date,
): Date {
  const expression = MACROS[schedule] ?? schedule;
  const parsed = CronExpressionParser.parse(expression, {
    currentDate: after,
    tz: timeZone ?? 'UTC',
  });
  return parsed.next().toDate();
}

/**
 * toKubeTime renders a time as Kubernetes does: RFC 3339, seconds precision, UTC. It takes
 * strings too: objects from a watch carry times as text, objects from a list as Dates.
 */
export function toKubeTime(time: Date | string): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
