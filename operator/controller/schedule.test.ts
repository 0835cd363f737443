import { describe, expect, it } from 'vitest';
import { nextScheduleTime, toKubeTime } from './schedule.ts';

// 2024-03-13 is a Wednesday.
const WEDNESDAY = new Date('2024-03-13T10:15:30Z');

describe('nextScheduleTime', () => {
  it.each([
    ['@hourly', '2024-03-13T11:00:00.000Z'],
    ['@daily', '2024-03-14T00:00:00.000Z'],
    ['@weekly', '2024-03-17T00:00:00.000Z'],
    ['@monthly', '2024-04-01T00:00:00.000Z'],
    ['*/20 * * * *', '2024-03-13T10:20:00.000Z'],
    ['30 6 * * MON-FRI', '2024-03-14T06:30:00.000Z'],
  ])('%s in UTC runs next at %s', (schedule, next) => {
    expect(nextScheduleTime(schedule, undefined, WEDNESDAY).toISOString()).toBe(next);
  });

  it('is strictly after the given time', () => {
    const onTheHour = new Date('2024-03-13T11:00:00Z');
    expect(nextScheduleTime('@hourly', undefined, onTheHour).toISOString()).toBe(
      '2024-03-13T12:00:00.000Z',
    );
  });

  it.each([
    // Europe/Berlin moves from CET (UTC+1) to CEST (UTC+2) on 2024-03-31.
    ['before the change, 09:00 CET', '2024-03-29T12:00:00Z', '2024-03-30T08:00:00.000Z'],
    ['across the change, 09:00 CEST', '2024-03-30T12:00:00Z', '2024-03-31T07:00:00.000Z'],
    ['after the change back, 09:00 CET', '2024-10-26T12:00:00Z', '2024-10-27T08:00:00.000Z'],
  ])('reads the schedule in Europe/Berlin %s', (_case, after, next) => {
    const at = nextScheduleTime('0 9 * * *', 'Europe/Berlin', new Date(after));
    expect(at.toISOString()).toBe(next);
  });

  it('reads a macro in the time zone', () => {
    const at = nextScheduleTime('@daily', 'Europe/Berlin', WEDNESDAY);
    expect(at.toISOString()).toBe('2024-03-13T23:00:00.000Z');
  });

  it('defaults to UTC', () => {
    const at = nextScheduleTime('0 9 * * *', 'UTC', WEDNESDAY);
    expect(nextScheduleTime('0 9 * * *', undefined, WEDNESDAY)).toEqual(at);
  });

  it('answers the same as parsing afresh, asked forwards, at the next time and back again', () => {
    const asked = [
      ['2024-03-13T10:15:30Z', '2024-03-13T10:20:00.000Z'],
      ['2024-03-13T10:19:59Z', '2024-03-13T10:20:00.000Z'],
      ['2024-03-13T10:20:00Z', '2024-03-13T10:40:00.000Z'],
      ['2024-03-13T10:00:00Z', '2024-03-13T10:20:00.000Z'],
    ];
    for (const [after, next] of asked) {
      expect(nextScheduleTime('*/20 * * * *', 'UTC', new Date(after ?? '')).toISOString()).toBe(
        next,
      );
    }
  });

  it('keeps schedules apart by time zone', () => {
    const utc = nextScheduleTime('0 9 * * *', 'UTC', WEDNESDAY);
    const berlin = nextScheduleTime('0 9 * * *', 'Europe/Berlin', WEDNESDAY);
    expect([utc.toISOString(), berlin.toISOString()]).toEqual([
      '2024-03-14T09:00:00.000Z',
      '2024-03-14T08:00:00.000Z',
    ]);
  });

  it('fails on an expression it cannot read', () => {
    expect(() => nextScheduleTime('not a schedule', undefined, WEDNESDAY)).toThrow();
  });
});

describe('toKubeTime', () => {
  it.each([
    ['a Date, dropping milliseconds', new Date('2024-01-02T03:04:05.678Z'), '2024-01-02T03:04:05Z'],
    ['a Date without milliseconds', new Date('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05Z'],
    ['a string with milliseconds', '2024-01-02T03:04:05.999Z', '2024-01-02T03:04:05Z'],
    ['a string already in Kubernetes form', '2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z'],
    ['a string with an offset, in UTC', '2024-01-02T05:04:05+02:00', '2024-01-02T03:04:05Z'],
  ])('renders %s', (_case, time, expected) => {
    expect(toKubeTime(time)).toBe(expected);
  });

  it('fails on text that is no time', () => {
    expect(() => toKubeTime('yesterday')).toThrow(RangeError);
  });
});
