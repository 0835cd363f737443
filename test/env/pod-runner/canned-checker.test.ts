import { describe, expect, it } from 'vitest';
import { CheckerResultSchema } from '../../../operator/checker/result.ts';
import { cannedRunResult } from './canned-checker.ts';

describe('cannedRunResult', () => {
  it('is a valid success of the run its arguments ask for, every region counted empty', () => {
    const args = ['run', '--service', 'sts', '--type', 'health_check', '--region', 'eu-west-1'];
    const message = cannedRunResult(args, new Date('2026-01-01T00:00:00Z'));
    expect(CheckerResultSchema.parse(JSON.parse(message ?? '{}'))).toMatchObject({
      kind: 'run',
      service: 'sts',
      type: 'health_check',
      outcome: 'Succeeded',
      startTime: '2026-01-01T00:00:00.000Z',
      regions: { 'eu-west-1': { resources: 0, unhealthy: 0 } },
    });
  });

  it('leaves every other command to the real checker', () => {
    expect(cannedRunResult(['validate', '--region', 'eu-west-1'], new Date())).toBeUndefined();
  });
});
