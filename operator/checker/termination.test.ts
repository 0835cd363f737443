import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES } from '../api/v1alpha1/reasons.ts';
import {
  CheckerResultSchema,
  MAX_FINDINGS,
  TERMINATION_MESSAGE_LIMIT,
  parseTerminationMessage,
  type RunResult,
} from './result.ts';
import { SERVICE_NAMES } from './service-names.ts';
import { fitTerminationMessage, writeTerminationMessage } from './termination.ts';

const text = fc.string({ unit: 'grapheme', maxLength: 3000 });
const finding = fc.record({
  region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'),
  id: text.filter((t) => t.length > 0),
  state: text,
  problems: fc.array(text, { maxLength: 6 }),
});

const failedRun = fc.record({
  kind: fc.constant('run' as const),
  v: fc.constant(1 as const),
  service: fc.constantFrom(...SERVICE_NAMES),
  type: fc.constant('health_check' as const),
  outcome: fc.constant('Failed' as const),
  reason: fc.constantFrom(...ERROR_CATEGORIES),
  message: text,
  startTime: fc.constant('2026-01-01T00:00:00.000Z'),
  durationMs: fc.nat(),
  truncated: fc.constant(false),
  resources: fc.nat(),
  unhealthy: fc.nat(),
  regions: fc.constant({ 'us-east-1': { resources: 3, unhealthy: 1 } }),
  findings: fc.array(finding, { maxLength: MAX_FINDINGS }),
  error: fc.record({
    category: fc.constantFrom(...ERROR_CATEGORIES),
    code: fc.constant('Throttling'),
    message: text,
    requestId: fc.uuid(),
  }),
});

const small: RunResult = {
  kind: 'run',
  v: 1,
  service: 'ec2',
  type: 'resource_list',
  outcome: 'Succeeded',
  message: 'found 3 ec2 resources',
  startTime: '2026-01-01T00:00:00.000Z',
  durationMs: 12,
  truncated: false,
  resources: 3,
  unhealthy: 0,
  regions: { 'us-east-1': { resources: 3, unhealthy: 0 } },
  findings: [],
};

describe('fitTerminationMessage', () => {
  it('leaves a result that fits untouched and unmarked', () => {
    expect(fitTerminationMessage(small)).toBe(small);
  });

  it('always fits 4096 bytes, stays a valid result, keeps counts and marks what it cut', () => {
    fc.assert(
      fc.property(failedRun, (result) => {
        const fitted = fitTerminationMessage({ ...result, reason: result.error.category });
        const json = JSON.stringify(fitted);

        expect(Buffer.byteLength(json)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
        expect(CheckerResultSchema.parse(JSON.parse(json))).toEqual(fitted);
        expect(fitted).toMatchObject({
          resources: result.resources,
          reason: result.error.category,
        });
        expect(fitted.truncated).toBe(Buffer.byteLength(JSON.stringify(result)) > 4096);
      }),
      { numRuns: 200 },
    );
  });

  it('drops findings from the end before shortening texts', () => {
    const findings = Array.from({ length: MAX_FINDINGS }, (_, i) => ({
      region: 'us-east-1',
      id: `i-${String(i).padStart(17, '0')}`,
      state: 'stopped',
      problems: ['instance is stopped, healthy is running'.repeat(5)],
    }));
    const big: RunResult = { ...small, outcome: 'Failed', reason: 'ResourcesUnhealthy', findings };

    const fitted = fitTerminationMessage(big);

    expect(fitted.truncated).toBe(true);
    expect(fitted.kind === 'run' && fitted.findings.map((f) => f.id)).toEqual(
      findings.slice(0, fitted.kind === 'run' ? fitted.findings.length : 0).map((f) => f.id),
    );
    expect(fitted.message).toBe(big.message);
  });
});

describe('writeTerminationMessage and parseTerminationMessage', () => {
  it('round-trips a result through the file', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'checker-')), 'termination-log');

    await writeTerminationMessage(path, small);

    expect(parseTerminationMessage(await readFile(path, 'utf8'))).toEqual(small);
  });

  it('refuses an unwritable path as InvalidConfiguration, naming the flag', async () => {
    await expect(writeTerminationMessage('/nonexistent-dir/x', small)).rejects.toMatchObject({
      detail: { category: 'InvalidConfiguration', code: 'TerminationLogUnwritable' },
      message: expect.stringContaining('--termination-log') as unknown,
    });
  });

  it('explains what is wrong with a message that is not a result', () => {
    expect(() => parseTerminationMessage('not json')).toThrow(/not JSON/);
    expect(() => parseTerminationMessage(JSON.stringify({ ...small, outcome: 'Failed' }))).toThrow(
      /reason is set exactly when outcome is Failed/,
    );
    expect(() => parseTerminationMessage(JSON.stringify({ ...small, v: 2 }))).toThrow(/v/);
  });
});
