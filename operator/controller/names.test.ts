import { describe, expect, it } from 'vitest';
import {
  baseName,
  cronJobName,
  initialJobName,
  runNowJobName,
  shortHash,
  validationJobName,
} from './names.ts';

/** LABEL_MAX is the longest label value, which a Job's name becomes on its Pods. */
const LABEL_MAX = 63;
/** CRONJOB_SUFFIX is what the CronJob controller appends to a CronJob's name per run. */
const CRONJOB_SUFFIX = 11;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const LONGEST = 'a'.repeat(253);
const DOTTED = `${'abc.'.repeat(63)}z`;
const DASHED = `${'a'.repeat(38)}${'-'.repeat(10)}${'b'.repeat(205)}`;
const LONG_TOKEN = 't'.repeat(4096);

describe('job and CronJob names', () => {
  it.each([
    ['253 letters', LONGEST],
    ['253 characters with dots', DOTTED],
    ['dashes where the prefix is cut', DASHED],
    ['49 characters', 'c'.repeat(49)],
  ])('stay within 63 characters for %s', (_case, name) => {
    expect(cronJobName(name).length + CRONJOB_SUFFIX).toBeLessThanOrEqual(LABEL_MAX);
    expect(initialJobName(name).length).toBeLessThanOrEqual(LABEL_MAX);
    expect(runNowJobName(name, LONG_TOKEN).length).toBeLessThanOrEqual(LABEL_MAX);
    expect(validationJobName(name, Number.MAX_SAFE_INTEGER).length).toBeLessThanOrEqual(LABEL_MAX);
  });

  it.each([
    ['253 letters', LONGEST],
    ['dashes where the prefix is cut', DASHED],
  ])('end the shortened base in a letter or digit for %s', (_case, name) => {
    expect(baseName(name)).toMatch(DNS_LABEL);
  });

  it.each([
    ['a short name', 'web'],
    ['exactly 48 characters', 'd'.repeat(48)],
  ])('keep %s unchanged', (_case, name) => {
    expect(baseName(name)).toBe(name);
    expect(initialJobName(name)).toBe(`${name}-initial`);
  });

  it('shortens a 49-character name', () => {
    expect(baseName('e'.repeat(49))).not.toBe('e'.repeat(49));
  });

  it.each([
    ['baseName', (): string => baseName(LONGEST)],
    ['runNowJobName', (): string => runNowJobName(LONGEST, 'token-1')],
    ['validationJobName', (): string => validationJobName(LONGEST, 4)],
    ['shortHash', (): string => shortHash('anything')],
  ])('%s is deterministic', (_name, make) => {
    expect(make()).toBe(make());
  });

  it('keeps long names apart when they share a long prefix', () => {
    const prefix = 'f'.repeat(200);
    const names = ['one', 'two', 'three', 'four'].map((end) => `${prefix}-${end}`);
    const bases = names.map(baseName);
    expect(new Set(bases).size).toBe(names.length);
  });

  it('gives each run-now token its own Job', () => {
    expect(runNowJobName('web', 'a')).not.toBe(runNowJobName('web', 'b'));
  });

  it('gives each generation its own validation Job', () => {
    expect(validationJobName('keys', 1)).not.toBe(validationJobName('keys', 2));
  });

  it('hashes to eight hex characters', () => {
    expect(shortHash('x')).toMatch(/^[0-9a-f]{8}$/);
  });
});
