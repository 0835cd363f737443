// The checker's run as a canned success, for benchmarks of what happens around a run (the
// operator, kube-controller-manager, the apiserver) at rates this machine cannot run real
// checkers at: a checker process costs about 0.25 s of CPU to start, so 1,000 runs a minute
// would need more than four cores for the checkers alone. Enabled for a test environment
// by CANNED_CHECKER_ENV; the suite never sets it. The result is what `checker run` writes
// for an account with nothing in it: valid for the operator (CheckerResultSchema), never
// a stand-in for the checker's own behaviour, which its own tests and the suite cover.
import { RESULT_VERSION } from '../../../operator/checker/result-limits.ts';
import { CheckerResultSchema, type RunResult } from '../../../operator/checker/result.ts';

/** CANNED_CHECKER_ENV=1 in the pod runner's environment turns canned runs on. */
export const CANNED_CHECKER_ENV = 'TESTENV_CANNED_CHECKER';

/**
 * cannedRunResult is the termination message of a `checker run` with these arguments, or
 * undefined for any other command (validate, usage), which runs for real.
 */
export function cannedRunResult(args: readonly string[], now: Date): string | undefined {
  if (args[0] !== 'run') return undefined;
  const values = (flag: string): string[] =>
    args.flatMap((arg, i) =>
      arg === flag && args[i + 1] !== undefined ? [args[i + 1] ?? ''] : [],
    );
  const regions = values('--region');
  const result: RunResult = CheckerResultSchema.parse({
    kind: 'run',
    service: values('--service')[0],
    type: values('--type')[0],
    v: RESULT_VERSION,
    outcome: 'Succeeded',
    message: 'canned: no resources',
    startTime: now.toISOString(),
    durationMs: 0,
    truncated: false,
    resources: 0,
    unhealthy: 0,
    regions: Object.fromEntries(regions.map((region) => [region, { resources: 0, unhealthy: 0 }])),
    findings: [],
  }) as RunResult;
  return JSON.stringify(result);
}
