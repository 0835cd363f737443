// `checker run`: scan every region of one service concurrently under a bound, stop at
// the first error (aborting calls in flight), and judge counts and health into a result.
import pLimit from 'p-limit';
import { CheckerError, classify, invalidConfiguration } from './errors.ts';
import { GLOBAL_REGION, RESULT_VERSION } from './result-limits.ts';
import type { RunResult } from './result.ts';
import type { ClientSettings, ScanContext, ServiceModule, Tags } from './service.ts';
import type { CheckType, ServiceName } from './service-names.ts';
import { matchesTags } from './tags.ts';
import { Tally, type Emit } from './tally.ts';

/** Expect bounds the number of resources a run must find. */
export interface Expect {
  readonly min?: number;
  readonly max?: number;
}

/** RunRequest is one validated `checker run`. */
export interface RunRequest {
  readonly service: ServiceName;
  readonly type: CheckType;
  readonly regions: readonly string[];
  readonly tags: Tags;
  readonly expect: Expect;
  readonly timeoutMs: number;
  readonly concurrency: number;
  /**
   * The region global services are called in: the global region of the credentials'
   * partition (globalRegionFor(--sts-region)); `checker run` always sets it. Absent only
   * in in-process tests, which then mean the aws partition.
   */
  readonly globalRegion?: string;
}

/**
 * CredentialsCheck proves the run's credentials in their own region (STS
 * GetCallerIdentity), so a region that refuses them can be told from bad credentials.
 */
export interface CredentialsCheck {
  /** The credentials' own region (--sts-region). */
  readonly region: string;
  /** Resolves true when STS in `region` accepts the credentials now. */
  readonly authenticated: () => Promise<boolean>;
}

/** RunDependencies are what a run uses from outside: the module, SDK settings, output, clock. */
export interface RunDependencies {
  readonly module: ServiceModule;
  readonly settings: ClientSettings;
  readonly emit: Emit;
  readonly now: () => Date;
  readonly credentialsCheck?: CredentialsCheck;
}

/** REGION_REFUSALS are the codes a region not enabled for the account refuses any keys with. */
export const REGION_REFUSALS: ReadonlySet<string> = new Set([
  'AuthFailure',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
]);

/**
 * reconsider turns an authentication failure in another region than the credentials'
 * own into InvalidConfiguration RegionNotEnabled when STS still accepts the credentials
 * in their own region: the region is not enabled for the account (opt-in regions refuse
 * every key until enabled), and the shared credential ref must not be marked failed.
 */
export async function reconsider(
  error: CheckerError,
  region: string,
  check: CredentialsCheck | undefined,
): Promise<CheckerError> {
  const { category, code } = error.detail;
  if (category !== 'AuthenticationFailed' || !REGION_REFUSALS.has(code)) return error;
  if (!check || region === check.region || !(await check.authenticated())) return error;
  return new CheckerError(
    {
      ...error.detail,
      category: 'InvalidConfiguration',
      code: 'RegionNotEnabled',
      message: `${region} refused credentials that STS accepts in ${check.region} (${code}: ${error.detail.message}): the region is not enabled for the account; enable it (an opt-in region) or remove it from the check's regions`,
    },
    { cause: error },
  );
}

/** AWS_GLOBAL_REGION is the global region of the aws partition, for in-process tests. */
const AWS_GLOBAL_REGION = 'us-east-1';

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return error === signal.reason || (error instanceof Error && error.name === 'AbortError');
}

/** FailFast holds the first error of a run and aborts everything else when it arrives. */
class FailFast {
  readonly controller = new AbortController();
  first: CheckerError | undefined;

  fail(error: CheckerError): void {
    if (this.first) return;
    this.first = error;
    this.controller.abort(error);
  }
}

async function scanRegion(
  request: RunRequest,
  dependencies: RunDependencies,
  context: ScanContext,
  tally: Tally,
): Promise<void> {
  const { module } = dependencies;
  const label = module.scope === 'global' ? GLOBAL_REGION : context.region;
  const scan = request.type === 'health_check' ? module.healthCheck : module.resourceList;
  context.signal.throwIfAborted();
  for await (const resource of scan(context)) {
    context.signal.throwIfAborted();
    if (request.type === 'health_check' && !resource.health) {
      throw new Error(`${module.name} health check yielded ${resource.id} without health`);
    }
    if (matchesTags(resource.tags, request.tags)) tally.add(label, resource);
  }
  tally.finish(label);
}

function refuseUnsupported(request: RunRequest, module: ServiceModule): void {
  if (!module.taggable && Object.keys(request.tags).length > 0) {
    throw invalidConfiguration(
      'TagsUnsupported',
      `${module.name} resources carry no tags; remove the tag filter (services with tags: see checker --help)`,
    );
  }
}

/**
 * runCheck runs one check and always resolves with a result, Failed at the first error
 * the run meets. Only a bug in the checker rejects.
 */
export async function runCheck(
  request: RunRequest,
  dependencies: RunDependencies,
): Promise<RunResult> {
  const started = dependencies.now();
  const tally = new Tally(dependencies.emit);
  const run = new FailFast();
  const deadline = setTimeout(() => {
    run.fail(deadlineExceeded(request.timeoutMs));
  }, request.timeoutMs);
  try {
    refuseUnsupported(request, dependencies.module);
    await scanAll(request, dependencies, run, tally);
  } catch (error) {
    run.fail(classify(error));
  } finally {
    clearTimeout(deadline);
  }
  const durationMs = dependencies.now().getTime() - started.getTime();
  return judge(request, { tally, error: run.first, startTime: started.toISOString(), durationMs });
}

async function scanAll(
  request: RunRequest,
  dependencies: RunDependencies,
  run: FailFast,
  tally: Tally,
): Promise<void> {
  const global = dependencies.module.scope === 'global';
  const regions = global ? [request.globalRegion ?? AWS_GLOBAL_REGION] : request.regions;
  const limit = pLimit(request.concurrency);
  const { signal } = run.controller;
  const scanOne = async (region: string): Promise<void> => {
    const context = { region, settings: dependencies.settings, signal, tags: request.tags };
    try {
      await scanRegion(request, dependencies, context, tally);
    } catch (error) {
      if (signal.aborted && isAbort(error, signal)) return;
      const classified = classify(error, { region: global ? GLOBAL_REGION : region });
      run.fail(await reconsider(classified, region, dependencies.credentialsCheck));
    }
  };
  await Promise.all(regions.map((region) => limit(() => scanOne(region))));
}

function deadlineExceeded(timeoutMs: number): CheckerError {
  return new CheckerError({
    category: 'DeadlineExceeded',
    code: 'RunDeadlineExceeded',
    message: `the run did not finish within its timeout of ${timeoutMs} ms; raise timeoutSeconds or check fewer regions`,
  });
}

interface Outcome {
  readonly tally: Tally;
  readonly error: CheckerError | undefined;
  readonly startTime: string;
  readonly durationMs: number;
}

/** describeError is the one-line message of a failed run: category, call, region, code, request id. */
export function describeError(error: CheckerError): string {
  const { category, code, operation, region, requestId } = error.detail;
  const where = [operation, region && `in ${region}`].filter(Boolean).join(' ');
  const request = requestId ? ` (request id ${requestId})` : '';
  return `${category}: ${where ? `${where} failed with ` : ''}${code}: ${error.message}${request}`;
}

function countProblem(count: number, expect: Expect): string | undefined {
  if (expect.min !== undefined && count < expect.min) return `expected at least ${expect.min}`;
  if (expect.max !== undefined && count > expect.max) return `expected at most ${expect.max}`;
  return undefined;
}

/** judge turns what a run saw into its result: error first, then health, then count. */
export function judge(request: RunRequest, outcome: Outcome): RunResult {
  const { tally, error } = outcome;
  const base = {
    kind: 'run' as const,
    v: RESULT_VERSION,
    service: request.service,
    type: request.type,
    startTime: outcome.startTime,
    durationMs: outcome.durationMs,
    resources: tally.resources,
    unhealthy: tally.unhealthy,
    regions: tally.regions,
    findings: tally.findings,
    truncated: false,
  };
  if (error) {
    const message = describeError(error);
    return {
      ...base,
      outcome: 'Failed',
      reason: error.detail.category,
      message,
      error: error.detail,
    };
  }
  const found = `${tally.resources} ${request.service} resources`;
  const countIssue = countProblem(tally.resources, request.expect);
  if (tally.unhealthy > 0) {
    const also = countIssue ? `; count: ${countIssue}` : '';
    const message = `${tally.unhealthy} of ${found} unhealthy${also}`;
    return { ...base, outcome: 'Failed', reason: 'ResourcesUnhealthy', message };
  }
  if (countIssue) {
    return {
      ...base,
      outcome: 'Failed',
      reason: 'CountOutOfRange',
      message: `found ${found}; ${countIssue}`,
    };
  }
  const healthy = request.type === 'health_check' ? ', all healthy' : '';
  return { ...base, outcome: 'Succeeded', message: `found ${found}${healthy}` };
}
