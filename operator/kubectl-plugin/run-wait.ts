// `kubectl awscheck run NAME --wait`: where the run asked for by one run-now token stands,
// judged from the AwsCheck alone (pure), and the run's result as a person reads it.
import { randomBytes } from 'node:crypto';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import { describeRun } from '../controller/check-plan.ts';
import type { LastRun } from '../controller/run-outcome.ts';

/** runNowToken is a fresh awscheck.io/run-now value: when, and who asked (random). */
export function runNowToken(now: Date, random: Buffer = randomBytes(4)): string {
  return `kubectl-${now
    .toISOString()
    .replace(/[-:]|\.\d+/g, '')
    .toLowerCase()}-${random.toString('hex')}`;
}

/** WaitState is where a requested run stands. */
export type WaitState =
  /** The operator has not started it yet. */
  | { readonly state: 'Requested'; readonly note: string | undefined }
  /** The operator created its Job (status.runNowToken is the token). */
  | { readonly state: 'Started'; readonly note: string | undefined }
  | { readonly state: 'Finished'; readonly run: LastRun }
  /** The check cannot run (no CronJob, Stalled): no run will start until the spec or plan changes. */
  | { readonly state: 'Refused'; readonly message: string }
  /** Counted, but a run that ended later took its place in status.lastRun. */
  | { readonly state: 'Superseded'; readonly by: string };

function condition(check: AwsCheck, type: string): { reason: string; message: string } | undefined {
  const found = check.status?.conditions?.find((c) => c.type === type && c.status === 'True');
  return found ?? undefined;
}

/**
 * judgeWait tells where the run of `token` (Job `jobName`) stands. The operator starts a
 * run-now Job only for a check it has scheduled (status.cronJobName is set); a Stalled
 * check without one refuses, so waiting would only time out.
 */
export function judgeWait(check: AwsCheck, token: string, jobName: string): WaitState {
  const status = check.status ?? {};
  const lastRun = status.lastRun;
  if (lastRun?.jobName === jobName) return { state: 'Finished', run: lastRun };
  if (status.recordedRuns?.includes(jobName) === true) {
    return { state: 'Superseded', by: lastRun?.jobName ?? 'another run' };
  }
  const refusal = refusalOf(check);
  if (refusal !== undefined) return { state: 'Refused', message: refusal };
  const note = reconcilingNote(check);
  return status.runNowToken === token ? { state: 'Started', note } : { state: 'Requested', note };
}

// refusalOf: why a Stalled check without a CronJob will start no run.
function refusalOf(check: AwsCheck): string | undefined {
  const stalled = condition(check, 'Stalled');
  if (stalled === undefined || check.status?.cronJobName !== undefined) return undefined;
  return `${stalled.reason}: ${stalled.message}`;
}

// reconcilingNote: what the operator waits for, when it says (a checker that cannot start).
function reconcilingNote(check: AwsCheck): string | undefined {
  const waiting = condition(check, 'Reconciling');
  return waiting === undefined ? undefined : `${waiting.reason}: ${waiting.message}`;
}

/** formatRun is a finished run's result: outcome, counts, findings and the first error. */
export function formatRun(name: string, run: LastRun): string {
  const outcome =
    run.outcome === 'Succeeded' ? 'Succeeded' : `Failed (${run.reason ?? 'RunAborted'})`;
  const duration = run.durationMs === undefined ? '' : ` in ${(run.durationMs / 1000).toFixed(1)}s`;
  const lines = [
    `awscheck/${name} run ${run.jobName}: ${outcome}${duration}`,
    `  ${describeRun(run)}`,
  ];
  if (run.resources !== undefined) {
    lines.push(`  resources: ${String(run.resources)}, unhealthy: ${String(run.unhealthy ?? 0)}`);
  }
  for (const finding of run.findings ?? []) {
    lines.push(
      `  - ${finding.region} ${finding.id} (${finding.state}): ${finding.problems.join('; ')}`,
    );
  }
  if (run.truncated === true)
    lines.push('  (shortened; the full detail is in: kubectl awscheck logs ' + name + ')');
  return lines.join('\n') + '\n';
}
