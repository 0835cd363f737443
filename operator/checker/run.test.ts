// The runner's rules, with service modules written for the test (the runner is pure
// orchestration; real AWS answers are exercised in test/integration/checker*.test.ts).
import { describe, expect, it } from 'vitest';
import { CheckerError } from './errors.ts';
import { MAX_FINDINGS } from './result.ts';
import { runCheck, type RunRequest } from './run.ts';
import type { Observed, ScanContext, ServiceModule } from './service.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from './limits.ts';

const request: RunRequest = {
  service: 'ec2',
  type: 'resource_list',
  regions: ['us-east-1', 'eu-west-1'],
  tags: {},
  expect: {},
  timeoutMs: 10_000,
  concurrency: 4,
};

function moduleOf(scan: (context: ScanContext) => AsyncIterable<Observed>): ServiceModule {
  return {
    name: 'ec2',
    scope: 'regional',
    taggable: true,
    healthRule: 'test',
    iamActions: { health_check: [], resource_list: [] },
    healthCheck: scan,
    resourceList: scan,
  };
}

async function run(
  scan: (context: ScanContext) => AsyncIterable<Observed>,
  overrides: Partial<RunRequest> = {},
): Promise<{ result: Awaited<ReturnType<typeof runCheck>>; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const result = await runCheck(
    { ...request, ...overrides },
    {
      module: moduleOf(scan),
      settings: { limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }) },
      emit: (line) => lines.push({ ...line }),
      now: () => new Date('2026-01-01T00:00:00Z'),
    },
  );
  return { result, lines };
}

const instances = (count: number, tags: Record<string, string> = {}): Observed[] =>
  Array.from({ length: count }, (_, i) => ({ id: `i-${i}`, tags }));

// stream yields items the way an SDK paginator does: each after an await.
async function* stream(items: Iterable<Observed>): AsyncIterable<Observed> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => {
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    });
  });
}

const throttled = (region: string): CheckerError =>
  new CheckerError({
    category: 'ServiceLimitExceeded',
    code: 'RequestLimitExceeded',
    message: 'Request limit exceeded.',
    requestId: 'r-1',
    region,
    operation: 'ec2:DescribeInstances',
  });

describe('runCheck', () => {
  it('counts per region and succeeds', async () => {
    const { result, lines } = await run(({ region }) =>
      stream(instances(region === 'us-east-1' ? 3 : 1)),
    );

    expect(result).toMatchObject({
      outcome: 'Succeeded',
      resources: 4,
      regions: {
        'us-east-1': { resources: 3, unhealthy: 0 },
        'eu-west-1': { resources: 1, unhealthy: 0 },
      },
      message: 'found 4 ec2 resources',
    });
    expect(result.reason).toBeUndefined();
    expect(lines.filter((l) => l.event === 'resource')).toHaveLength(4);
  });

  it('reports an account that really has nothing as a count of 0, every region listed', async () => {
    const { result } = await run(() => stream([]));

    expect(result).toMatchObject({ outcome: 'Succeeded', resources: 0 });
    expect(Object.keys(result.regions).sort()).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('stops at the first error: the other region is aborted and never reported', async () => {
    const seen: string[] = [];
    const { result } = await run(async function* ({ region, signal }) {
      if (region === 'us-east-1') {
        yield* stream(instances(2));
        throw throttled(region);
      }
      try {
        await waitForAbort(signal);
      } finally {
        seen.push(`${region} aborted=${String(signal.aborted)}`);
      }
    });

    expect(seen).toEqual(['eu-west-1 aborted=true']);
    expect(result).toMatchObject({
      outcome: 'Failed',
      reason: 'ServiceLimitExceeded',
      error: { code: 'RequestLimitExceeded', region: 'us-east-1', requestId: 'r-1' },
      regions: {},
      resources: 0,
    });
    expect(result.message).toBe(
      'ServiceLimitExceeded: ec2:DescribeInstances in us-east-1 failed with RequestLimitExceeded: Request limit exceeded. (request id r-1)',
    );
  });

  it('never runs more regions at once than the bound', async () => {
    let running = 0;
    let peak = 0;
    const regions = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2'];
    const { result } = await run(
      async function* () {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        yield* instances(1);
      },
      { regions, concurrency: 2 },
    );

    expect(result.resources).toBe(6);
    expect(peak).toBe(2);
  });

  it('fails with DeadlineExceeded at the timeout, aborting what runs', async () => {
    const { result } = await run(
      async function* ({ signal }) {
        yield* instances(1);
        await waitForAbort(signal);
      },
      { timeoutMs: 20 },
    );

    expect(result).toMatchObject({
      outcome: 'Failed',
      reason: 'DeadlineExceeded',
      error: { code: 'RunDeadlineExceeded' },
    });
  });

  it('keeps only resources carrying every filter tag', async () => {
    const { result } = await run(
      () =>
        stream([
          ...instances(2, { env: 'prod', team: 'a' }),
          ...instances(3, { env: 'dev', team: 'a' }),
          ...instances(1, { team: 'a' }),
        ]),
      { tags: { env: 'prod', team: 'a' }, regions: ['us-east-1'] },
    );

    expect(result.resources).toBe(2);
  });

  it('refuses a tag filter for a service without tags', async () => {
    const lines: unknown[] = [];
    const result = await runCheck(
      { ...request, tags: { env: 'prod' } },
      {
        module: { ...moduleOf(() => stream([])), taggable: false },
        settings: { limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }) },
        emit: (line) => lines.push(line),
        now: () => new Date(),
      },
    );

    expect(result).toMatchObject({
      reason: 'InvalidConfiguration',
      error: { code: 'TagsUnsupported' },
    });
  });

  it.each([
    [{ min: 5 }, 4, 'found 4 ec2 resources; expected at least 5'],
    [{ max: 3 }, 4, 'found 4 ec2 resources; expected at most 3'],
  ])('fails with CountOutOfRange outside %j', async (expectBounds, count, message) => {
    const { result } = await run(() => stream(instances(count)), {
      expect: expectBounds,
      regions: ['us-east-1'],
    });

    expect(result).toMatchObject({ outcome: 'Failed', reason: 'CountOutOfRange', message });
  });

  it('succeeds on the bounds themselves', async () => {
    const { result } = await run(() => stream(instances(4)), {
      expect: { min: 4, max: 4 },
      regions: ['us-east-1'],
    });

    expect(result.outcome).toBe('Succeeded');
  });

  it('fails a health check with ResourcesUnhealthy, keeping counts and at most 20 findings', async () => {
    const { result, lines } = await run(
      () =>
        stream(
          Array.from({ length: 1000 }, (_, i) => {
            const healthy = i % 2 === 0;
            const state = healthy ? 'running' : 'stopped';
            return {
              id: `i-${i}`,
              tags: {},
              health: { healthy, state, problems: healthy ? [] : ['stopped'] },
            };
          }),
        ),
      { type: 'health_check', regions: ['us-east-1'] },
    );

    expect(result).toMatchObject({
      outcome: 'Failed',
      reason: 'ResourcesUnhealthy',
      resources: 1000,
      unhealthy: 500,
      message: '500 of 1000 ec2 resources unhealthy',
    });
    expect(result.findings).toHaveLength(MAX_FINDINGS);
    expect(result.findings[0]).toEqual({
      region: 'us-east-1',
      id: 'i-1',
      state: 'stopped',
      problems: ['stopped'],
    });
    expect(lines.filter((l) => l.healthy === false)).toHaveLength(500);
  });

  it('labels a global service once as "global", whatever regions were asked', async () => {
    const contexts: string[] = [];
    const result = await runCheck(
      { ...request, service: 'iam' },
      {
        module: {
          ...moduleOf(({ region }) => {
            contexts.push(region);
            return stream(instances(2));
          }),
          scope: 'global',
        },
        settings: { limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }) },
        emit: () => undefined,
        now: () => new Date(),
      },
    );

    expect(contexts).toEqual(['us-east-1']);
    expect(result.regions).toEqual({ global: { resources: 2, unhealthy: 0 } });
  });

  it('rejects (crashes) on a bug instead of reporting it as an AWS error', async () => {
    await expect(
      run(async function* () {
        yield* stream(instances(1));
        throw new TypeError('bug');
      }),
    ).rejects.toThrow('bug');
  });
});
