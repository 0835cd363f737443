// `kubectl awscheck run NAME --wait`: where the run asked for by one run-now token stands,
// judged from the AwsCheck alone (pure), and the run's result as a person reads it.
import { randomBytes } from 'node:crypto';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import { describeRun } from '../controller/check-plan.ts';
import type { LastRun } from '../controller/run-outcome.ts';
import { RUN_NOW_ANNOTATION } from '../labels.ts';

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
  | { readonly state: 'Superseded'; readonly by: string }
  /**
   * Another run-now token overwrote ours before the operator read it: the operator starts
   * one run per token it sees, so ours will never start.
   */
  | { readonly state: 'Replaced'; readonly by: string | undefined };

function condition(check: AwsCheck, type: string): { reason: string; message: string } | undefined {
  const found = check.status?.conditions?.find((c) => c.type === type && c.status === 'True');
  return found ?? undefined;
}

/** Request is one run-now request: its token, the Job it asks for, what was seen of it. */
export interface Request {
  readonly token: string;
  readonly jobName: string;
  /** started: status.runNowToken was once this token, so the Job was made. */
  readonly started: boolean;
}

/**
 * judgeWait tells where the run of a request stands. The operator starts a run-now Job
 * only for a check it has scheduled (status.cronJobName is set); a Stalled check without
 * one refuses, so waiting would only time out. A token that is neither the annotation nor
 * the status's any more, and was never seen started, was replaced unread.
 */
export function judgeWait(check: AwsCheck, request: Request): WaitState {
  const { jobName } = request;
  const status = check.status ?? {};
  const lastRun = status.lastRun;
  if (lastRun?.jobName === jobName) return { state: 'Finished', run: lastRun };
  if (status.recordedRuns?.includes(jobName) === true) {
    return { state: 'Superseded', by: lastRun?.jobName ?? 'another run' };
  }
  const refusal = refusalOf(check);
  if (refusal !== undefined) return { state: 'Refused', message: refusal };
  return notYetRecorded(check, request);
}

// notYetRecorded: a run not counted yet is started, still asked for, or never to start.
function notYetRecorded(check: AwsCheck, { token, started }: Request): WaitState {
  const note = reconcilingNote(check);
  const handled = check.status?.runNowToken;
  if (handled === token || started) return { state: 'Started', note };
  const annotation = check.metadata.annotations?.[RUN_NOW_ANNOTATION];
  if (annotation !== token) return { state: 'Replaced', by: annotation ?? handled };
  return { state: 'Requested', note };
}

/** refusalOf is why a Stalled check without a CronJob will start no run, if it is one. */
export function refusalOf(check: AwsCheck): string | undefined {
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

/** RunEvent is what the operator's Event about one recorded run says. */
export interface RunEvent {
  readonly type?: string | undefined;
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
}

/**
 * runOutcomeOf finds the Event the operator records for run `jobName` (its message starts
 * with the Job's name) and reads its outcome: Normal is a success, Warning a failure.
 */
export function runOutcomeOf(
  events: readonly RunEvent[],
  jobName: string,
): { readonly succeeded: boolean; readonly reason: string; readonly message: string } | undefined {
  const event = events.find((e) => e.message?.startsWith(`${jobName}: `) === true);
  if (event === undefined) return undefined;
  return {
    succeeded: event.type === 'Normal',
    reason: event.reason ?? '',
    message: (event.message ?? '').slice(jobName.length + 2),
  };
}
