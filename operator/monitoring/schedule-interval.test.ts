import { describe, expect, it } from 'vitest';
import { scheduleIntervalSeconds } from './schedule-interval.ts';

const HOUR = 3600;
const DAY = 24 * HOUR;

describe('scheduleIntervalSeconds', () => {
  it.each([
    ['@hourly', HOUR],
    ['@daily', DAY],
    ['@weekly', 7 * DAY],
    ['@monthly', 31 * DAY],
    ['*/5 * * * *', 300],
    // a weekday schedule's longest gap is its weekend
    ['0 9 * * 1-5', 3 * DAY],
    // two runs a day, unevenly: the longer gap counts
    ['0 6,8 * * *', 22 * HOUR],
    // every minute of office hours on weekdays: the weekend, Friday 17:59 to Monday 9:00
    ['* 9-17 * * 1-5', 63 * HOUR + 60],
    // every five minutes on Sundays: the week between
    ['*/5 * * * 0', 6 * DAY + 300],
    // a gap within the day, the same on every firing day
    ['*/10 0-2,20-23 * * *', 17 * HOUR + 10 * 60],
  ])('%s → %d s', (schedule, seconds) => {
    expect(scheduleIntervalSeconds(schedule)).toBe(seconds);
  });

  it('has no interval for a schedule that fires at most once in a year, or cannot be read', () => {
    expect(scheduleIntervalSeconds('0 0 29 2 *')).toBeUndefined();
    expect(scheduleIntervalSeconds('5-3 * * * *')).toBeUndefined();
  });
});
