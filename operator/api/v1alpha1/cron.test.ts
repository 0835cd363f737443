import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nearCron } from '../testing/arbitraries.ts';
import { SCHEDULE_PATTERN } from './cron.ts';

const schedule = new RegExp(SCHEDULE_PATTERN);

/**
 * TOLERATED are cron-parser's complaints the pattern knowingly lets through: a range whose
 * start is after its end (the CronJob controller refuses it; the operator reports it), and a
 * value listed twice (harmless, and accepted by the CronJob controller).
 */
const TOLERATED = /Invalid range: .*min\(\d+\) > max|duplicate values found/;

/** cronParserComplaint asks an independent parser about an expression; '' means it is valid. */
function cronParserComplaint(expression: string): string {
  try {
    CronExpressionParser.parse(expression);
    return '';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe('SCHEDULE_PATTERN', () => {
  it.each([
    '@hourly',
    '@daily',
    '@weekly',
    '@monthly',
    '* * * * *',
    '0 0 * * *',
    '30 6 * * MON-FRI',
    '*/15 0-23/2 1,15 JAN-DEC/3 ?',
    '0,30 8-18 * * MON-FRI',
    '5  4 * * SUN',
    '59 23 31 12 6',
  ])('accepts %s', (expression) => {
    expect(schedule.test(expression)).toBe(true);
  });

  it.each([
    '@yearly',
    '@every 1h',
    '60 * * * *',
    '* 24 * * *',
    '* * 32 * *',
    '* * * 0 *',
    '* * * * 7',
    '*/0 * * * *',
    ' 0 0 * * *',
    '0 0 * * * ',
    '0 0 * *',
    'mon * * * *',
    '0 0 * * mon',
    '0\t0 * * *',
    '0-FRI * * * *',
    '*,5 * * * *',
    '5/10 * * * *',
  ])('rejects %s', (expression) => {
    expect(schedule.test(expression)).toBe(false);
  });

  it('accepts nothing an independent cron parser refuses, but reversed ranges and repeats', () => {
    fc.assert(
      fc.property(nearCron, (expression) => {
        if (!schedule.test(expression)) return;
        const complaint = cronParserComplaint(expression);
        if (complaint !== '') expect(complaint, expression).toMatch(TOLERATED);
      }),
      { numRuns: 2000 },
    );
  });

  it('meets accepted expressions often enough in that property to mean something', () => {
    const accepted = fc
      .sample(nearCron, { numRuns: 2000, seed: 1 })
      .filter((e) => schedule.test(e));
    expect(accepted.length).toBeGreaterThan(20);
  });
});
