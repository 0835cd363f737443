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

  it('keeps the apiserver’s words and says a quota is retried', () => {
    expect(refusalOf(api(403, 'exceeded quota: runs'), 'the validation Job')?.message).toBe(
      "the apiserver refused the validation Job (HTTP 403): exceeded quota: runs; the plan's concurrent runs are in use, retrying with backoff",
    );
  });
});
