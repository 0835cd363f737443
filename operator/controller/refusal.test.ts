import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { QUOTA_EXCEEDED, RefusedError, refusalOf } from './refusal.ts';

const api = (code: number, message: string): ApiException<string> =>
  new ApiException(code, 'refused', JSON.stringify({ message }), {});

describe('refusalOf', () => {
  it.each<[string, unknown, string | undefined, boolean | undefined]>([
    [
      'a quota the plan’s concurrent runs fill',
      api(
        403,
        'jobs.batch "x" is forbidden: exceeded quota: runs, requested: count/jobs.batch=1, used: count/jobs.batch=3, limited: count/jobs.batch=3',
      ),
      QUOTA_EXCEEDED,
      false,
    ],
    [
      'a quota not counted yet',
      api(
        403,
        'jobs.batch "x" is forbidden: status unknown for quota: runs, resources: count/jobs.batch',
      ),
      QUOTA_EXCEEDED,
      false,
    ],
    [
      'an RBAC 403',
      api(403, 'jobs.batch is forbidden: User "op" cannot create'),
      'InvalidConfiguration',
      true,
    ],
    [
      'an admission policy',
      api(422, 'denied by awscheck-checker-pods'),
      'InvalidConfiguration',
      true,
    ],
    ['a bad request', api(400, 'bad'), 'InvalidConfiguration', true],
    ['a name taken by another owner', new RefusedError('taken'), 'InvalidConfiguration', true],
    ['a conflict (retried at once)', api(409, 'conflict'), undefined, undefined],
    ['a server error (retried at once)', api(500, 'boom'), undefined, undefined],
    ['anything else (retried at once)', new Error('network'), undefined, undefined],
  ])('%s', (_, error, reason, final) => {
    const refusal = refusalOf(error, 'the Job');
    expect(refusal?.reason).toBe(reason);
    expect(refusal?.final).toBe(final);
  });

  it.each<[string, string]>([
    [
      'jobs.batch "x" is forbidden: exceeded quota: runs, requested: pods=1, used: pods=2, limited: pods=2',
      'ResourceQuota runs is full (limited: pods=2; used: pods=2; requested: pods=1)',
    ],
    [
      'jobs.batch "x" is forbidden: exceeded quota: plan, requested: count/jobs.batch=1,requests.cpu=150m, used: count/jobs.batch=1,requests.cpu=300m, limited: count/jobs.batch=9,requests.cpu=300m',
      'ResourceQuota plan is full (limited: count/jobs.batch=9,requests.cpu=300m; used: count/jobs.batch=1,requests.cpu=300m; requested: count/jobs.batch=1,requests.cpu=150m)',
    ],
    [
      'jobs.batch "x" is forbidden: status unknown for quota: runs, resources: count/jobs.batch',
      'ResourceQuota runs is not counted yet',
    ],
    ['exceeded quota: runs', 'a ResourceQuota holds it back'],
  ])('names the quota and its resources in its own words: %s', (words, said) => {
    expect(refusalOf(api(403, words), 'the validation Job')?.message).toBe(
      `the apiserver refused the validation Job (HTTP 403): ${words}; ${said}, retrying with backoff`,
    );
  });

  it('never blames the plan’s concurrent runs for a CPU quota', () => {
    const words =
      'exceeded quota: plan, requested: requests.cpu=1, used: requests.cpu=0, limited: requests.cpu=500m';
    const message = refusalOf(api(403, words), 'the Job')?.message ?? '';
    expect(message).not.toContain('concurrent runs');
    expect(message).toContain('limited: requests.cpu=500m');
  });
});
