import { describe, expect, it } from 'vitest';
import {
  baseName,
  cronJobName,
  generationJobName,
  labelValue,
  runNowJobName,
  shortHash,
  validationJobName,
} from './names.ts';

/** LABEL_MAX is the longest label value, which a Job's name becomes on its Pods. */
const LABEL_MAX = 63;
/** CRONJOB_SUFFIX is what the CronJob controller appends to a CronJob's name per run. */
const CRONJOB_SUFFIX = 11;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** LABEL_VALUE is what the apiserver accepts as a label value. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const UID = '6f1d3c2a-0000-4000-8000-000000000001';
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
    expect(generationJobName(name, UID, Number.MAX_SAFE_INTEGER).length).toBeLessThanOrEqual(
      LABEL_MAX,
    );
    expect(runNowJobName(name, UID, LONG_TOKEN).length).toBeLessThanOrEqual(LABEL_MAX);
    expect(validationJobName(name, UID, LONGEST).length).toBeLessThanOrEqual(LABEL_MAX);
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
  ])('keep %s unchanged as the base', (_case, name) => {
    expect(baseName(name)).toBe(name);
    expect(generationJobName(name, UID, 1).startsWith(`${name}-g`)).toBe(true);
  });

  it('shortens a 49-character name', () => {
    expect(baseName('e'.repeat(49))).not.toBe('e'.repeat(49));
  });

  it.each([
    ['baseName', (): string => baseName(LONGEST)],
    ['generationJobName', (): string => generationJobName(LONGEST, UID, 3)],
    ['runNowJobName', (): string => runNowJobName(LONGEST, UID, 'token-1')],
    ['validationJobName', (): string => validationJobName(LONGEST, UID, 'keys-v1')],
    ['labelValue', (): string => labelValue(LONGEST)],
    ['shortHash', (): string => shortHash('anything')],
  ])('%s is deterministic', (_name, make) => {
    expect(make()).toBe(make());
  });

  it('keeps long names apart when they share a long prefix', () => {
    const prefix = 'f'.repeat(200);
    const names = ['one', 'two', 'three', 'four'].map((end) => `${prefix}-${end}`);
    expect(new Set(names.map(baseName)).size).toBe(names.length);
    expect(new Set(names.map(labelValue)).size).toBe(names.length);
  });

  it('gives each run-now token, generation and predecessor its own Job', () => {
    expect(runNowJobName('web', UID, 'a')).not.toBe(runNowJobName('web', UID, 'b'));
    expect(generationJobName('web', UID, 1)).not.toBe(generationJobName('web', UID, 2));
    expect(validationJobName('keys', UID, '')).not.toBe(validationJobName('keys', UID, 'x'));
  });

  it('gives a check created again under the same name new Job names', () => {
    const other = '6f1d3c2a-0000-4000-8000-000000000002';
    expect(generationJobName('web', UID, 1)).not.toBe(generationJobName('web', other, 1));
    expect(runNowJobName('web', UID, 'a')).not.toBe(runNowJobName('web', other, 'a'));
  });

  it('hashes to eight hex characters', () => {
    expect(shortHash('x')).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('labelValue', () => {
  it.each([
    ['253 letters', LONGEST],
    ['253 characters with dots', DOTTED],
    ['dashes where the prefix is cut', DASHED],
    ['64 characters', 'g'.repeat(64)],
  ])('is a valid label value for %s', (_case, name) => {
    const value = labelValue(name);
    expect(value.length).toBeLessThanOrEqual(LABEL_MAX);
    expect(value).toMatch(LABEL_VALUE);
  });

  it('keeps a name of 63 characters as it is', () => {
    expect(labelValue('h'.repeat(63))).toBe('h'.repeat(63));
  });
});
