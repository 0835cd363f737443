// `kubectl awscheck status`: one row per AwsCheck, aligned as kubectl prints tables.
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import type { Condition } from '../api/v1alpha1/common.ts';

/** STATUS_COLUMNS are the table's columns, in order. */
export const STATUS_COLUMNS = [
  'NAMESPACE',
  'NAME',
  'READY',
  'HEALTHY',
  'REASON',
  'LAST-RUN',
  'AGE',
] as const;

/** StatusRow is one AwsCheck as the table shows it. */
export type StatusRow = Readonly<Record<(typeof STATUS_COLUMNS)[number], string>>;

/** CheckListItem is an AwsCheck as listed: its creation time is set by the apiserver. */
export type CheckListItem = AwsCheck & { metadata: { creationTimestamp?: string | Date } };

function condition(check: AwsCheck, type: string): Condition | undefined {
  return check.status?.conditions?.find((c) => c.type === type);
}

/**
 * reasonOf is why a check is not fine, the most pressing first: a stale status (the
 * operator has not seen the spec), Ready's reason when it is not True, else the latest
 * run's reason when it failed or has not happened; empty when all is well.
 */
export function reasonOf(check: AwsCheck): string {
  if (check.status?.observedGeneration !== check.metadata.generation) return NOT_OBSERVED;
  const ready = condition(check, 'Ready');
  if (ready === undefined) return NOT_OBSERVED;
  if (ready.status !== 'True') return ready.reason;
  if (check.spec.suspend) return 'Suspended';
  const healthy = condition(check, 'Healthy');
  if (healthy === undefined || healthy.status === 'True') return '';
  return healthy.reason;
}

/** NOT_OBSERVED: the operator has not written a status for the current spec yet. */
const NOT_OBSERVED = 'NotObservedYet';

/** statusRow is one check's row at `now`. */
export function statusRow(check: CheckListItem, now: Date): StatusRow {
  const created = check.metadata.creationTimestamp;
  return {
    NAMESPACE: check.metadata.namespace,
    NAME: check.metadata.name,
    READY: statusOf(check, 'Ready'),
    HEALTHY: statusOf(check, 'Healthy'),
    REASON: reasonOf(check) || '-',
    'LAST-RUN': lastRunAge(check, now),
    AGE: created === undefined ? '<unknown>' : age(created, now),
  };
}

function statusOf(check: AwsCheck, type: string): string {
  return condition(check, type)?.status ?? 'Unknown';
}

function lastRunAge(check: AwsCheck, now: Date): string {
  const lastRun = check.status?.lastRun;
  if (lastRun === undefined) return '<none>';
  return `${age(lastRun.completionTime ?? lastRun.startTime, now)} ago`;
}

/**
 * age renders the time since `since` as kubectl does: seconds up to 2 minutes, then
 * minutes (with seconds under 10 minutes), hours (with minutes under 8 hours), days.
 */
export function age(since: string | Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / 1000));
  if (seconds < 120) return `${String(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return withRest(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${String(minutes)}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${String(hours)}h`;
  const days = Math.floor(hours / 24);
  return days < 8 ? withRest(days, 'd', hours % 24, 'h') : `${String(days)}d`;
}

function withRest(value: number, unit: string, rest: number, restUnit: string): string {
  return rest === 0
    ? `${String(value)}${unit}`
    : `${String(value)}${unit}${String(rest)}${restUnit}`;
}

/** renderTable aligns rows under their headers with three spaces between columns, as kubectl does. */
export function renderTable<K extends string>(
  columns: readonly K[],
  rows: readonly Readonly<Record<K, string>>[],
): string {
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, index) =>
        index === cells.length - 1 ? cell : cell.padEnd((widths[index] ?? 0) + 3),
      )
      .join('')
      .trimEnd();
  return (
    [line(columns), ...rows.map((row) => line(columns.map((column) => row[column])))].join('\n') +
    '\n'
  );
}

/** statusTable is the whole table, sorted by namespace and name. */
export function statusTable(checks: readonly CheckListItem[], now: Date): string {
  const rows = [...checks]
    .sort(
      (a, b) =>
        a.metadata.namespace.localeCompare(b.metadata.namespace) ||
        a.metadata.name.localeCompare(b.metadata.name),
    )
    .map((check) => statusRow(check, now));
  return renderTable(STATUS_COLUMNS, rows);
}
