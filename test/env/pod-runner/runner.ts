import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1ContainerState,
  type V1ContainerStatus,
  type V1Pod,
  type V1PodStatus,
} from '@kubernetes/client-node';
import { startInformer, type Informer } from '../../../operator/runtime/informer.ts';
import { cannedRunResult } from './canned-checker.ts';
import { watchMemory, type MemoryUsage, type MemoryWatch } from './memory-watch.ts';
import { PodEvents } from './pod-events.ts';
import {
  PodSetupError,
  VolumeMountError,
  prepareSandbox,
  type Sandbox,
  type SandboxInput,
} from './sandbox.ts';

/** NODE_NAME is the node every pod the runner takes is bound to. */
export const NODE_NAME = 'awscheck-local-node';

/**
 * AWS_ENDPOINT_ANNOTATION on a namespace sends its pods' AWS calls to another emulator (one
 * that enforces IAM, say): the test "network" routes that tenant elsewhere.
 */
export const AWS_ENDPOINT_ANNOTATION = 'testenv.awscheck.io/aws-endpoint-url';

/**
 * DEFAULT_SCHEDULER is the only scheduler whose pods the runner takes: a pod that names
 * another (the real node's, test/env/node) is that scheduler's and its node's.
 */
export const DEFAULT_SCHEDULER = 'default-scheduler';

/** The kubelet's limit on a termination message. */
const TERMINATION_MESSAGE_LIMIT = 4096;

/**
 * A volume that cannot be mounted is tried again after 0.5 s, doubling, as the kubelet's
 * volume manager does; the kubelet caps the wait at 2 min 2 s, the runner at 4 s so a
 * Secret created late starts its pod within seconds.
 */
const MOUNT_RETRY_FIRST_MS = 500;
const MOUNT_RETRY_MAX_MS = 4000;

/** PodRunnerOptions configure the local "node". */
export interface PodRunnerOptions {
  readonly kubeConfig: KubeConfig;
  readonly workDir: string;
  /**
   * Programs of the image → the local files that stand for them. A pod whose command[0] is
   * not one of them is not for this node.
   */
  readonly programs: Readonly<Record<string, string>>;
  readonly nodeEnv: Readonly<Record<string, string>>;
  /**
   * The uid the image the programs stand for runs as (its Dockerfile's USER): what the
   * kubelet checks runAsNonRoot against when the pod names no runAsUser.
   */
  readonly imageUser: number;
  readonly log: (line: string) => void;
  /** How often a pod with a memory limit is measured; DEFAULT_SAMPLE_INTERVAL_MS if unset. */
  readonly memorySampleIntervalMs?: number;
  /**
   * The local file of the checker whose `run`s are canned (canned-checker.ts): written a
   * canned success as their termination message and run as `true`. Benchmarks only.
   */
  readonly cannedChecker?: string | undefined;
}

/**
 * Why the runner ended a container: its deadline, its memory limit, its pod's deletion (its
 * end is written, then the deletion confirmed), or its pod's removal from the API.
 */
type KilledFor = 'DeadlineExceeded' | 'OOMKilled' | 'deleted' | 'gone';

/** DEFAULT_GRACE_SECONDS is the pod's terminationGracePeriodSeconds when it sets none. */
const DEFAULT_GRACE_SECONDS = 30;

/**
 * Why the runner gave up on a pod whose container never started: its deadline, its
 * deletion (still to confirm), or its removal from the API.
 */
type EndedFor = 'DeadlineExceeded' | 'deleting' | 'gone';

/** Starting is a pod the runner took whose container has not started yet. */
interface Starting {
  /** The pod's startTime: when the node took it; activeDeadlineSeconds counts from it. */
  readonly takenAt: Date;
  readonly stop: AbortController;
  deadline?: NodeJS.Timeout;
  endedFor?: EndedFor;
}

interface Running {
  readonly child: ChildProcess;
  readonly startedAt: Date;
  deadline?: NodeJS.Timeout;
  memory?: MemoryWatch;
  killedFor?: KilledFor;
}

/**
 * KILLED_EXIT_CODE (128 + SIGKILL) is what a container killed for its memory limit exits
 * with, and what the kubelet reports for a container whose status it cannot know.
 */
const KILLED_EXIT_CODE = 137;

/** DEADLINE_EXCEEDED is the kubelet's pod status for a pod past activeDeadlineSeconds. */
const DEADLINE_EXCEEDED = {
  reason: 'DeadlineExceeded',
  message: 'Pod was active on the node longer than the specified deadline',
} as const;

/**
 * PodRunner acts as the node for pods whose command it knows: it binds them, runs each
 * as a local process with the pod's arguments, environment and Secret files, and writes
 * the pod status a kubelet would (Running, then Succeeded or Failed with exit code and
 * termination message), so the real job and cronjob controllers finish their Jobs. It
 * enforces activeDeadlineSeconds and the memory limit (a container over it is killed and
 * reported `OOMKilled`, exit code 137), and honours deletion as a kubelet does. Each
 * container is a process group, signalled as a whole.
 *
 * A Secret volume that cannot be mounted (the Secret or a key named in `items` missing)
 * is what the kubelet makes of it: the pod stays Pending, its container waiting
 * `ContainerCreating`, a Warning Event `FailedMount` from `kubelet` counts the failed
 * tries, and the mount is tried again until it works (the container starts) or the pod
 * is deleted or past its deadline (Failed, container `ContainerStatusUnknown`, 137).
 */
export class PodRunner {
  readonly #options: PodRunnerOptions;
  readonly #core: CoreV1Api;
  readonly #running = new Map<string, Running>();
  /** Pods whose container ended and whose end is being written: their deletion waits for it. */
  readonly #finishing = new Set<string>();
  readonly #starting = new Map<string, Starting>();
  readonly #seen = new Set<string>();
  readonly #events: PodEvents;
  #pods: Informer<V1Pod> | undefined;

  constructor(options: PodRunnerOptions) {
    this.#options = options;
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#events = new PodEvents(this.#core, NODE_NAME);
  }

  async start(): Promise<void> {
    this.#pods = startInformer<V1Pod>(this.#options.kubeConfig, {
      path: '/api/v1/pods',
      list: () => this.#core.listPodForAllNamespaces(),
      onEvent: (event, pod) => {
        if (event === 'delete') this.#killGone(pod);
        else this.#handle(pod);
      },
      onError: (error, retry) => {
        this.#options.log(`pod watch failed, retrying in ${retry} ms: ${String(error)}`);
      },
    });
    await this.#pods.synced;
  }

  async stop(): Promise<void> {
    await this.#pods?.stop();
    for (const starting of this.#starting.values()) starting.stop.abort();
    for (const running of this.#running.values()) signalGroup(running, 'SIGKILL');
  }

  #handle(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (!this.#isOurs(pod)) return;
    if (pod.metadata?.deletionTimestamp !== undefined) {
      this.#finishDeletion(pod);
      return;
    }
    if (this.#seen.has(uid) || pod.status?.phase !== 'Pending') return;
    this.#seen.add(uid);
    this.#launch(pod).catch((error: unknown) => {
      this.#options.log(`${podName(pod)}: ${String(error)}`);
    });
  }

  #isOurs(pod: V1Pod): boolean {
    const command = pod.spec?.containers[0]?.command?.[0];
    if (command === undefined || !forThisNode(pod)) return false;
    return command in this.#options.programs;
  }

  async #launch(pod: V1Pod): Promise<void> {
    const { name, namespace } = identify(pod);
    if (pod.spec?.nodeName === undefined) await this.#bind(name, namespace);
    const starting = this.#take(pod);
    try {
      const sandbox = await this.#prepareWhenMountable(pod, starting);
      if (sandbox === undefined) {
        await this.#endUnstarted(pod, starting);
        return;
      }
      const running = this.#run(pod, sandbox, starting.takenAt);
      await this.#writeStatus(pod, runningStatus(pod, starting.takenAt, running.startedAt));
    } finally {
      clearTimeout(starting.deadline);
      this.#starting.delete(pod.metadata?.uid ?? '');
      this.#events.forget(pod);
    }
  }

  // take records the pod as the node's from now (its startTime) and arms its deadline.
  #take(pod: V1Pod): Starting {
    const starting: Starting = { takenAt: new Date(), stop: new AbortController() };
    this.#starting.set(pod.metadata?.uid ?? '', starting);
    const deadlineSeconds = pod.spec?.activeDeadlineSeconds;
    if (deadlineSeconds !== undefined) {
      starting.deadline = setTimeout(() => {
        end(starting, 'DeadlineExceeded');
      }, deadlineSeconds * 1000);
    }
    return starting;
  }

  // prepareWhenMountable prepares the sandbox, trying a volume that cannot be mounted
  // again until it can; a container that cannot be configured waits (as the kubelet
  // reports it) until its pod ends. Undefined when the pod ended before it could start.
  async #prepareWhenMountable(pod: V1Pod, starting: Starting): Promise<Sandbox | undefined> {
    const { signal } = starting.stop;
    const input = await this.#sandboxInput(pod);
    for (let attempt = 0; ; attempt += 1) {
      const prepared = await prepareSandbox(input).catch(setupFailure);
      if (hasEnded(starting)) return undefined;
      if (prepared instanceof PodSetupError) {
        this.#options.log(`${podName(pod)}: ${prepared.reason}: ${prepared.message}`);
        await this.#writeStatus(pod, waitingStatus(pod, starting.takenAt, prepared));
        await aborted(signal);
        return undefined;
      }
      if (!(prepared instanceof VolumeMountError)) return prepared;
      await this.#reportFailedMount(pod, starting, prepared, attempt);
      const delay = Math.min(MOUNT_RETRY_FIRST_MS * 2 ** attempt, MOUNT_RETRY_MAX_MS);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      if (hasEnded(starting)) return undefined;
    }
  }

  async #sandboxInput(pod: V1Pod): Promise<SandboxInput> {
    const { name, namespace } = identify(pod);
    const dir = join(this.#options.workDir, namespace, `${name}-${pod.metadata?.uid ?? ''}`);
    await mkdir(dir, { recursive: true });
    return {
      pod,
      dir,
      programs: this.#options.programs,
      nodeEnv: await this.#nodeEnvFor(namespace),
      imageUser: this.#options.imageUser,
      readSecret: async (secret) => {
        try {
          return await this.#core.readNamespacedSecret({ name: secret, namespace });
        } catch (error) {
          if (error instanceof ApiException && error.code === 404) return undefined;
          throw error;
        }
      },
    };
  }

  // reportFailedMount: the container waits ContainerCreating (written once) and each
  // failed try counts in the pod's FailedMount Event.
  async #reportFailedMount(
    pod: V1Pod,
    starting: Starting,
    error: VolumeMountError,
    attempt: number,
  ): Promise<void> {
    if (attempt === 0) {
      this.#options.log(`${podName(pod)}: FailedMount: ${error.message}`);
      await this.#writeStatus(pod, creatingStatus(pod, starting.takenAt));
    }
    await this.#events.warning(pod, 'FailedMount', error.message).catch((failure: unknown) => {
      this.#options.log(`${podName(pod)}: recording FailedMount failed: ${String(failure)}`);
    });
  }

  // endUnstarted: a pod that never started ends as the kubelet ends it, Failed with its
  // container's status unknown; a deleted one is then confirmed deleted.
  async #endUnstarted(pod: V1Pod, starting: Starting): Promise<void> {
    if (starting.endedFor === 'gone' || starting.endedFor === undefined) return;
    const deadline = starting.endedFor === 'DeadlineExceeded';
    this.#options.log(
      `${podName(pod)}: never started, ${deadline ? 'past its deadline' : 'deleted'}`,
    );
    await this.#writeStatus(pod, unstartedEndStatus(pod, deadline));
    if (!deadline) await this.#confirmDeletion(pod);
  }

  async #nodeEnvFor(namespace: string): Promise<Readonly<Record<string, string>>> {
    const annotations = (await this.#core.readNamespace({ name: namespace })).metadata?.annotations;
    const endpoint = annotations?.[AWS_ENDPOINT_ANNOTATION];
    return endpoint === undefined
      ? this.#options.nodeEnv
      : { ...this.#options.nodeEnv, AWS_ENDPOINT_URL: endpoint };
  }

  async #bind(name: string, namespace: string): Promise<void> {
    await this.#core.createNamespacedPodBinding({
      name,
      namespace,
      body: { metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: NODE_NAME } },
    });
  }

  #run(pod: V1Pod, sandbox: Sandbox, takenAt: Date): Running {
    const [command, ...args] = this.#canned(sandbox) ?? sandbox.argv;
    if (command === undefined) throw new Error('empty argv');
    const out = openSync(sandbox.stdoutFile, 'a');
    // detached: the container is a process group of its own (setpriv execs the command,
    // so the group's id is the container's pid), killed as a whole.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], {
      env: sandbox.env,
      stdio: ['ignore', out, out],
      detached: true,
    });
    closeSync(out);
    const uid = pod.metadata?.uid ?? '';
    const running: Running = { child, startedAt: new Date() };
    this.#running.set(uid, running);
    this.#enforceDeadline(pod, running, takenAt);
    this.#enforceMemoryLimit(pod, sandbox, running);
    child.once('exit', (code, signal) => {
      clearTimeout(running.deadline);
      running.memory?.stop();
      this.#running.delete(uid);
      this.#finishing.add(uid);
      // A kubelet ends the whole container when its main process ends.
      signalGroup(running, 'SIGKILL');
      this.#finish(pod, sandbox, running, exitCode(code, signal))
        .catch((error: unknown) => {
          this.#options.log(`${podName(pod)}: writing final status failed: ${String(error)}`);
        })
        .finally(() => this.#finishing.delete(uid));
    });
    return running;
  }

  // canned: a checker run, when canned, writes its canned result and runs `true` instead.
  #canned(sandbox: Sandbox): string[] | undefined {
    const entry = this.#options.cannedChecker;
    const at = entry === undefined ? -1 : sandbox.argv.indexOf(entry);
    if (at < 0) return undefined;
    const message = cannedRunResult(sandbox.argv.slice(at + 1), new Date());
    if (message === undefined) return undefined;
    writeFileSync(sandbox.terminationMessageFile, message);
    return ['/bin/true'];
  }

  // enforceDeadline: activeDeadlineSeconds counts from the pod's startTime (when the node
  // took it), not from the container's start.
  #enforceDeadline(pod: V1Pod, running: Running, takenAt: Date): void {
    const deadlineSeconds = pod.spec?.activeDeadlineSeconds;
    if (deadlineSeconds === undefined) return;
    const remainingMs = takenAt.getTime() + deadlineSeconds * 1000 - Date.now();
    running.deadline = setTimeout(
      () => {
        running.killedFor = 'DeadlineExceeded';
        signalGroup(running, 'SIGKILL');
      },
      Math.max(remainingMs, 0),
    );
  }

  // enforceMemoryLimit kills the container as the kernel's OOM killer would a cgroup over
  // its limit (the kubelet then reports OOMKilled); see memory-watch.ts for the method.
  #enforceMemoryLimit(pod: V1Pod, sandbox: Sandbox, running: Running): void {
    const limitBytes = sandbox.limits.memoryBytes;
    const pid = running.child.pid;
    if (limitBytes === undefined || pid === undefined) return;
    running.memory = watchMemory({
      pid,
      limitBytes,
      ...(this.#options.memorySampleIntervalMs !== undefined && {
        intervalMs: this.#options.memorySampleIntervalMs,
      }),
      onOver: (usage) => {
        if (running.killedFor !== undefined) return;
        running.killedFor = 'OOMKilled';
        signalGroup(running, 'SIGKILL');
        this.#options.log(`${podName(pod)}: ${overLimit(usage, limitBytes)}: OOMKilled`);
      },
    });
  }

  // finish writes the container's end as a kubelet does; a deleted pod's deletion is then
  // confirmed, once its end is on record (a kubelet's status manager waits for that too).
  async #finish(pod: V1Pod, sandbox: Sandbox, running: Running, exitCode: number): Promise<void> {
    if (running.killedFor === 'gone') return;
    const message = await readTerminationMessage(sandbox.terminationMessageFile);
    const code = running.killedFor === 'OOMKilled' ? KILLED_EXIT_CODE : exitCode;
    const peak = running.memory === undefined ? '' : `, peak RSS ${mib(running.memory.peakBytes)}`;
    this.#options.log(`${podName(pod)}: exited ${code}${peak}`);
    try {
      await this.#writeStatus(pod, terminatedStatus(pod, { running, exitCode: code, message }));
    } finally {
      // A status the apiserver refused is logged by the caller; the deletion still ends.
      if (running.killedFor === 'deleted') await this.#confirmDeletion(pod);
    }
  }

  // killGone: a pod removed from the API (deleted by force) has its containers killed at
  // once, as a zero grace period asks; nothing is written for it.
  #killGone(pod: V1Pod): void {
    const starting = this.#starting.get(pod.metadata?.uid ?? '');
    if (starting !== undefined) end(starting, 'gone');
    const running = this.#running.get(pod.metadata?.uid ?? '');
    if (running === undefined) return;
    running.killedFor = 'gone';
    signalGroup(running, 'SIGKILL');
  }

  // finishDeletion: a kubelet stops the containers of a deleted pod (SIGTERM, SIGKILL after
  // the grace period), writes their end, then confirms the deletion with a zero grace
  // period. A pod still starting is ended (and confirmed) by its launch, in order with its
  // writes; a running one by its container's end (finish); one whose end is being written
  // once that is done; any other at once.
  #finishDeletion(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const starting = this.#starting.get(uid);
    if (starting !== undefined) {
      end(starting, 'deleting');
      return;
    }
    const running = this.#running.get(uid);
    if (running !== undefined) {
      if (running.killedFor !== 'deleted') this.#terminate(pod, running);
      return;
    }
    if (!this.#finishing.has(uid)) void this.#confirmDeletion(pod);
  }

  #terminate(pod: V1Pod, running: Running): void {
    running.killedFor = 'deleted';
    signalGroup(running, 'SIGTERM');
    const grace =
      pod.metadata?.deletionGracePeriodSeconds ??
      pod.spec?.terminationGracePeriodSeconds ??
      DEFAULT_GRACE_SECONDS;
    clearTimeout(running.deadline);
    running.deadline = setTimeout(() => {
      signalGroup(running, 'SIGKILL');
    }, grace * 1000);
  }

  async #confirmDeletion(pod: V1Pod): Promise<void> {
    const { name, namespace } = identify(pod);
    await this.#core
      .deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 })
      .catch((error: unknown) => {
        // Gone already: confirmed by someone else, or removed by force.
        if (error instanceof ApiException && error.code === 404) return;
        this.#options.log(`${podName(pod)}: confirming the deletion failed: ${String(error)}`);
      });
  }

  async #writeStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    await this.#core.patchNamespacedPodStatus(
      {
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        body: { status },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

// end gives up on a starting pod for the first reason that comes.
function end(starting: Starting, why: EndedFor): void {
  if (starting.endedFor !== undefined) return;
  starting.endedFor = why;
  starting.stop.abort();
}

function hasEnded(starting: Starting): boolean {
  return starting.endedFor !== undefined;
}

// aborted resolves once the signal is aborted.
async function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => {
      resolve();
    });
  });
}

// setupFailure turns the errors of a pod that cannot start yet into values; any other
// error is the runner's own and propagates.
function setupFailure(error: unknown): PodSetupError | VolumeMountError {
  if (error instanceof PodSetupError || error instanceof VolumeMountError) return error;
  throw error;
}

// forThisNode: a pod of the default scheduler that is unbound or bound here.
function forThisNode(pod: V1Pod): boolean {
  const scheduler = pod.spec?.schedulerName ?? DEFAULT_SCHEDULER;
  const nodeName = pod.spec?.nodeName ?? NODE_NAME;
  return scheduler === DEFAULT_SCHEDULER && nodeName === NODE_NAME;
}

// signalGroup signals the container's process group, or its process if the group is gone.
function signalGroup(running: Running, signal: NodeJS.Signals): void {
  const pid = running.child.pid;
  try {
    if (pid !== undefined) process.kill(-pid, signal);
  } catch {
    running.child.kill(signal);
  }
}

// exitCode is a process's exit status as a container runtime reports it: 128 + the signal
// number for a process ended by a signal.
function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal === null ? 1 : 128 + constants.signals[signal];
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function overLimit(usage: MemoryUsage, limitBytes: number): string {
  return (
    `over its memory limit of ${mib(limitBytes)} (RSS ${mib(usage.rssBytes)} in ` +
    `${usage.processes} processes, largest process peak ${mib(usage.peakProcessBytes)})`
  );
}

function identify(pod: V1Pod): { name: string; namespace: string } {
  return { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '' };
}

function podName(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

async function readTerminationMessage(file: string): Promise<string> {
  try {
    return (await readFile(file)).subarray(0, TERMINATION_MESSAGE_LIMIT).toString('utf8');
  } catch {
    return '';
  }
}

function containerStatus(pod: V1Pod, state: V1ContainerState, ready: boolean): V1ContainerStatus {
  const container = pod.spec?.containers[0];
  return {
    name: container?.name ?? '',
    image: container?.image ?? '',
    imageID: '',
    ready,
    restartCount: 0,
    state,
  };
}

function waitingStatus(pod: V1Pod, startTime: Date, error: PodSetupError): V1PodStatus {
  return {
    phase: 'Pending',
    startTime,
    containerStatuses: [
      containerStatus(pod, { waiting: { reason: error.reason, message: error.message } }, false),
    ],
  };
}

// creatingStatus: the kubelet's status while a pod's volumes are not mounted yet.
function creatingStatus(pod: V1Pod, startTime: Date): V1PodStatus {
  return {
    phase: 'Pending',
    startTime,
    containerStatuses: [containerStatus(pod, { waiting: { reason: 'ContainerCreating' } }, false)],
  };
}

// unstartedEndStatus: the kubelet ends a pod whose container never started as Failed and
// marks the container's status unknown (its status manager's TerminatePod).
function unstartedEndStatus(pod: V1Pod, deadline: boolean): V1PodStatus {
  const terminated = {
    exitCode: KILLED_EXIT_CODE,
    reason: 'ContainerStatusUnknown',
    message: 'The container could not be located when the pod was terminated',
  };
  return {
    phase: 'Failed',
    ...(deadline && DEADLINE_EXCEEDED),
    containerStatuses: [containerStatus(pod, { terminated }, false)],
  };
}

function runningStatus(pod: V1Pod, startTime: Date, startedAt: Date): V1PodStatus {
  return {
    phase: 'Running',
    startTime,
    containerStatuses: [containerStatus(pod, { running: { startedAt } }, true)],
  };
}

interface Termination {
  readonly running: Running;
  readonly exitCode: number;
  readonly message: string;
}

function terminatedStatus(pod: V1Pod, { running, exitCode, message }: Termination): V1PodStatus {
  const deadline = running.killedFor === 'DeadlineExceeded';
  const terminated = {
    exitCode,
    reason: terminationReason(running.killedFor, exitCode),
    startedAt: running.startedAt,
    finishedAt: new Date(),
    ...(message !== '' && { message }),
  };
  return {
    phase: exitCode === 0 && running.killedFor === undefined ? 'Succeeded' : 'Failed',
    ...(deadline && DEADLINE_EXCEEDED),
    containerStatuses: [containerStatus(pod, { terminated }, false)],
  };
}

function terminationReason(killedFor: KilledFor | undefined, exitCode: number): string {
  if (killedFor === 'DeadlineExceeded' || killedFor === 'OOMKilled') return killedFor;
  return exitCode === 0 ? 'Completed' : 'Error';
}
