// The plugin's commands: each gathers from the apiserver, judges with the pure parts
// (run-wait.ts, table.ts) and prints. Clocks, sleeps and output are injected.
import {
  setHeaderOptions,
  PatchStrategy,
  Observable,
  type ConfigurationOptions,
  type CoreV1Event,
  type V1Pod,
} from '@kubernetes/client-node';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import { GROUP, VERSION } from '../api/v1alpha1/common.ts';
import { CHECKER_CONTAINER } from '../controller/checker-pod.ts';
import { runNowJobName } from '../controller/names.ts';
import { JOB_NAME_LABEL, RUN_NOW_ANNOTATION } from '../labels.ts';
import type { PluginClients } from './client.ts';
import { explainApiError, PluginError } from './errors.ts';
import {
  formatRun,
  judgeWait,
  refusalOf,
  runNowToken,
  runOutcomeOf,
  type Request,
  type WaitState,
} from './run-wait.ts';
import { statusTable } from './table.ts';

/** Io is what commands print to and how they wait. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly now: () => Date;
  /** sleep resolves after `ms`, or as soon as `signal` aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** POLL_MS is how often `run --wait` reads the check. */
export const POLL_MS = 1_000;

const PLURAL = 'awschecks';

async function readCheck(
  clients: PluginClients,
  name: string,
  signal?: AbortSignal,
): Promise<AwsCheck> {
  const { namespace } = clients;
  try {
    return (await clients.objects.getNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace, name },
      signal === undefined ? undefined : abortedBy(signal),
    )) as AwsCheck;
  } catch (error) {
    throw explainApiError(error, { resource: 'awscheck', name, namespace, verb: 'get' });
  }
}

// abortedBy: request options that cut the request when `signal` aborts.
function abortedBy(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** status prints the table of one namespace's checks (one check with NAME), or all with -A. */
export async function status(
  clients: PluginClients,
  io: Io,
  options: { readonly name: string | undefined; readonly allNamespaces: boolean },
): Promise<number> {
  const checks =
    options.name === undefined
      ? await listChecks(clients, options.allNamespaces)
      : [await readCheck(clients, options.name)];
  if (checks.length === 0) {
    io.err(
      options.allNamespaces
        ? 'No AwsChecks found.\n'
        : `No AwsChecks found in namespace ${clients.namespace}.\n`,
    );
    return 0;
  }
  io.out(statusTable(checks, io.now()));
  return 0;
}

async function listChecks(clients: PluginClients, allNamespaces: boolean): Promise<AwsCheck[]> {
  const { namespace } = clients;
  const request = { group: GROUP, version: VERSION, plural: PLURAL };
  try {
    const list = (
      allNamespaces
        ? await clients.objects.listClusterCustomObject(request)
        : await clients.objects.listNamespacedCustomObject({ ...request, namespace })
    ) as { items: AwsCheck[] };
    return list.items;
  } catch (error) {
    const target = { resource: 'awschecks', verb: 'list', ...(!allNamespaces && { namespace }) };
    throw explainApiError(error, target);
  }
}

/**
 * run asks the operator for a run now: a new awscheck.io/run-now token, from which the
 * operator makes exactly one Job (runNowJobName). A check that cannot run (Stalled, no
 * CronJob) is refused before anything is asked. With `wait` it follows the check until
 * that run is recorded and prints its result; a failed run exits 1.
 */
export async function run(
  clients: PluginClients,
  io: Io,
  options: { readonly name: string; readonly wait: boolean; readonly timeoutMs: number },
): Promise<number> {
  const { name } = options;
  const check = await readCheck(clients, name);
  const refusal = refusalOf(check);
  if (refusal !== undefined) {
    throw new PluginError(`awscheck/${name} cannot run, so no run was requested: ${refusal}`);
  }
  const token = runNowToken(io.now());
  await annotate(clients, name, token);
  const jobName = runNowJobName(name, check.metadata.uid ?? '', token);
  io.err(`awscheck/${name}: run requested (${RUN_NOW_ANNOTATION}=${token}, Job ${jobName})\n`);
  if (!options.wait) return 0;
  const followed = { name, uid: check.metadata.uid ?? '', token, jobName };
  return follow(clients, io, { ...followed, timeoutMs: options.timeoutMs });
}

async function annotate(clients: PluginClients, name: string, token: string): Promise<void> {
  const { namespace } = clients;
  try {
    await clients.objects.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
        name,
        body: { metadata: { annotations: { [RUN_NOW_ANNOTATION]: token } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (error) {
    throw explainApiError(error, { resource: 'awscheck', name, namespace, verb: 'patch' });
  }
}

interface Followed {
  readonly name: string;
  readonly uid: string;
  readonly token: string;
  readonly jobName: string;
  readonly timeoutMs: number;
}

/** TIMED_OUT is what a read bounded by the time left gives when the time is up. */
const TIMED_OUT = Symbol('timed out');

// follow reads the check until the run is over, saying each new state once on stderr. Every
// read, and every wait between reads, ends when the timeout does.
async function follow(clients: PluginClients, io: Io, followed: Followed): Promise<number> {
  const deadline = io.now().getTime() + followed.timeoutMs;
  const left = (): number => deadline - io.now().getTime();
  let said = '';
  let started = false;
  for (;;) {
    const check = await within(io, left(), (signal) => readCheck(clients, followed.name, signal));
    if (check === TIMED_OUT) throw timedOut(clients, followed);
    const state = judgeWait(check, { ...followed, started } satisfies Request);
    started ||= state.state === 'Started';
    const ended = await endOf(state, { clients, io, followed, left });
    if (ended !== undefined) return ended;
    const line = progressLine(state);
    if (line !== said) io.err(line);
    said = line;
    if (left() <= 0) throw timedOut(clients, followed);
    await io.sleep(Math.min(POLL_MS, left()));
  }
}

// within runs `work` with a signal that aborts after `ms` (on io's clock) and gives
// TIMED_OUT then, even if `work` never settles; the timer ends with the work.
async function within<T>(
  io: Io,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | typeof TIMED_OUT> {
  if (ms <= 0) return TIMED_OUT;
  const stop = new AbortController();
  const timer = io.sleep(ms, stop.signal).then((): typeof TIMED_OUT => {
    stop.abort();
    return TIMED_OUT;
  });
  try {
    return await Promise.race([work(stop.signal), timer]);
  } finally {
    stop.abort();
  }
}

function timedOut(clients: PluginClients, followed: Followed): PluginError {
  return new PluginError(
    `timed out after ${String(followed.timeoutMs / 1000)}s waiting for run ${followed.jobName} of awscheck/${followed.name}; it goes on: kubectl awscheck status ${followed.name} -n ${clients.namespace}`,
  );
}

interface Following {
  readonly clients: PluginClients;
  readonly io: Io;
  readonly followed: Followed;
  readonly left: () => number;
}

async function endOf(state: WaitState, following: Following): Promise<number | undefined> {
  const { followed, io } = following;
  switch (state.state) {
    case 'Finished':
      io.out(formatRun(followed.name, state.run));
      return state.run.outcome === 'Succeeded' ? 0 : 1;
    case 'Refused':
      throw new PluginError(`awscheck/${followed.name} cannot run: ${state.message}`);
    case 'Replaced':
      throw new PluginError(
        `the run-now request ${followed.token} of awscheck/${followed.name} was replaced by another (${state.by ?? 'removed'}) before the operator read it, so run ${followed.jobName} will not start; the other request's run is in: kubectl awscheck status ${followed.name} -n ${following.clients.namespace}`,
      );
    case 'Superseded':
      return supersededOutcome(following, state.by);
    default:
      return undefined;
  }
}

// supersededOutcome: our run was recorded but a later one is lastRun; its outcome is in the
// Event the operator records for it. Until that Event is there, the run is not over for us.
async function supersededOutcome(
  { clients, io, followed, left }: Following,
  by: string,
): Promise<number | undefined> {
  const events = await within(io, left(), (signal) => runEvents(clients, followed, signal));
  if (events === TIMED_OUT) throw timedOut(clients, followed);
  const outcome = runOutcomeOf(events, followed.jobName);
  if (outcome === undefined) return undefined;
  const verdict = outcome.succeeded ? 'Succeeded' : `Failed (${outcome.reason})`;
  io.out(
    [
      `awscheck/${followed.name} run ${followed.jobName}: ${verdict}`,
      `  ${outcome.message}`,
      `  (a run that ended later, ${by}, is the check's lastRun)`,
      '',
    ].join('\n'),
  );
  return outcome.succeeded ? 0 : 1;
}

async function runEvents(
  clients: PluginClients,
  followed: Followed,
  signal: AbortSignal,
): Promise<readonly CoreV1Event[]> {
  const { namespace } = clients;
  try {
    const list = await clients.core.listNamespacedEvent(
      {
        namespace,
        fieldSelector: `involvedObject.name=${followed.name},involvedObject.uid=${followed.uid}`,
      },
      abortedBy(signal),
    );
    return list.items;
  } catch (error) {
    throw explainApiError(error, { resource: 'events', namespace, verb: 'list' });
  }
}

function progressLine(state: WaitState): string {
  if (state.state === 'Superseded')
    return 'recorded; waiting for the Event that says how it ended\n';
  if (state.state !== 'Requested' && state.state !== 'Started') return '';
  const what =
    state.state === 'Requested' ? 'waiting for the operator to start the run' : 'running';
  return `${what}${state.note === undefined ? '' : ` (${state.note})`}\n`;
}

/**
 * logs prints the last run's detail from its Pod: the checker container's log (the full
 * JSON lines), or with `result` the termination message (the compact result the operator
 * read). The Pod lives as long as its Job: the newest runs only.
 */
export async function logs(
  clients: PluginClients,
  io: Io,
  options: { readonly name: string; readonly result: boolean },
): Promise<number> {
  const check = await readCheck(clients, options.name);
  const jobName = check.status?.lastRun?.jobName;
  if (jobName === undefined) {
    throw new PluginError(
      `awscheck/${options.name} has no finished run yet: start one with kubectl awscheck run ${options.name} --wait`,
    );
  }
  const pod = await runPod(clients, jobName);
  if (options.result) {
    io.out(`${terminationMessage(pod, jobName)}\n`);
    return 0;
  }
  io.out(await containerLog(clients, pod, options.name));
  return 0;
}

async function runPod(clients: PluginClients, jobName: string): Promise<V1Pod> {
  const { namespace } = clients;
  let pods: V1Pod[];
  try {
    pods = (
      await clients.core.listNamespacedPod({
        namespace,
        labelSelector: `${JOB_NAME_LABEL}=${jobName}`,
      })
    ).items;
  } catch (error) {
    throw explainApiError(error, { resource: 'pods', namespace, verb: 'list' });
  }
  const pod = pods.at(-1);
  if (pod === undefined) {
    throw new PluginError(
      `the Pod of run ${jobName} is gone (only the newest runs' Jobs are kept); its summary is in: kubectl get awscheck -n ${namespace} -o yaml`,
    );
  }
  return pod;
}

function terminationMessage(pod: V1Pod, jobName: string): string {
  const container = pod.status?.containerStatuses?.find((c) => c.name === CHECKER_CONTAINER);
  const message = container?.state?.terminated?.message;
  if (message === undefined) {
    throw new PluginError(
      `the checker of run ${jobName} (Pod ${pod.metadata?.name ?? ''}) left no termination message`,
    );
  }
  try {
    return JSON.stringify(JSON.parse(message), null, 2);
  } catch {
    return message;
  }
}

async function containerLog(clients: PluginClients, pod: V1Pod, check: string): Promise<string> {
  const { namespace } = clients;
  const name = pod.metadata?.name ?? '';
  try {
    return await clients.core.readNamespacedPodLog({
      name,
      namespace,
      container: CHECKER_CONTAINER,
    });
  } catch (error) {
    const explained = explainApiError(error, {
      resource: 'pods/log',
      name,
      namespace,
      verb: 'get',
    });
    if (!(explained instanceof PluginError)) throw explained;
    throw new PluginError(
      `cannot read the checker's log from Pod ${name}: ${explained.message}. The run's result, from the Pod's status, is shown by: kubectl awscheck logs ${check} --result -n ${namespace}`,
    );
  }
}
