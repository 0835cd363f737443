// The schedule grammar. One regular expression serves zod and CEL alike (not cron-parser,
// whose accepted set differs from any regular expression), so the two cannot disagree.

const MACROS = ['@hourly', '@daily', '@weekly', '@monthly'] as const;

const MONTH_NAMES = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC';
const DAY_NAMES = 'SUN|MON|TUE|WED|THU|FRI|SAT';

const STEP = '(/[1-9][0-9]?)?';

/** range is a value, or `a-b` optionally with a step; numbers and names do not mix. */
function range(value: string): string {
  return `(${value})(-(${value})${STEP})?`;
}

/**
 * cronField is one field of a five-field cron expression: `*` (or `?` where allowed) alone
 * optionally with a step `/n`, or a comma-separated list of values and ranges.
 */
function cronField(any: string, values: readonly string[]): string {
  const item = `(${values.map(range).join('|')})`;
  return `${any}${STEP}|${item}(,${item})*`;
}

const FIELDS = [
  cronField('[*]', ['[0-5]?[0-9]']),
  cronField('[*]', ['2[0-3]|[01]?[0-9]']),
  cronField('[*?]', ['3[01]|[12][0-9]|0?[1-9]']),
  cronField('[*]', ['1[0-2]|0?[1-9]', MONTH_NAMES]),
  cronField('[*?]', ['[0-6]', DAY_NAMES]),
];

/**
 * SCHEDULE_PATTERN accepts `@hourly`, `@daily`, `@weekly`, `@monthly` or five space-separated
 * cron fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week
 * 0-6 or SUN-SAT). A field is `*` (`?` for the day fields) with an optional step, or a list of
 * values and ranges; a step follows only `*` or a range, and a range does not mix numbers and
 * names. It is a little stricter than the CronJob controller's parser. It cannot check that a
 * range's start precedes its end (`5-3`): the CronJob controller refuses that, and the
 * operator reports it as InvalidConfiguration.
 */
export const SCHEDULE_PATTERN = `^(${MACROS.join('|')}|${FIELDS.map((f) => `(${f})`).join(' +')})$`;

/** SCHEDULE_MESSAGE says what a schedule may be. */
export const SCHEDULE_MESSAGE = `schedule must be ${MACROS.join(', ')} or a five-field cron expression such as "30 6 * * MON-FRI" (minute hour day-of-month month day-of-week)`;

/** SCHEDULE_MAX_LENGTH bounds the schedule so the CEL rule stays within the apiserver's cost budget. */
export const SCHEDULE_MAX_LENGTH = 100;
