import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestEnvError } from './errors.ts';

/** ProcessSpec describes one server process of the environment. */
export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * tiedToParent makes the kernel kill the process when this Node process dies (setpriv
   * --pdeathsig), so a crashed test run leaves nothing behind. `testenv up` turns it off:
   * there the processes are meant to outlive the command and `testenv down` stops them.
   */
  readonly tiedToParent: boolean;
}

/** RunningProcess is a started server; `exit` settles when it ends. */
export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exit: Promise<number | null>;
}

/** startProcess spawns a server in its own process group with output to its log file. */
export function startProcess(spec: ProcessSpec): RunningProcess {
  const log = openSync(spec.logFile, 'a');
  const [command, args] = spec.tiedToParent
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', spec.command, ...spec.args]]
    : [spec.command, [...spec.args]];
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: spec.env ?? process.env,
  });
  closeSync(log);
  if (child.pid === undefined) {
    throw new TestEnvError(`could not start ${spec.name} (${spec.command}): see ${spec.logFile}`);
  }
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
    child.once('error', () => {
      resolve(null);
    });
  });
  if (!spec.tiedToParent) child.unref();
  return { name: spec.name, pid: child.pid, logFile: spec.logFile, exit };
}

/** ServerContext is shared by every server of one run. */
export interface ServerContext {
  readonly runDir: string;
  readonly tiedToParent: boolean;
  /** Every server started so far, registered at spawn, so a failed start stops them all. */
  readonly started: RunningProcess[];
}

/** startServer starts one server of a run, logging to `<runDir>/<name>.log`, and registers it. */
export function startServer(
  context: ServerContext,
  name: string,
  argv: readonly [string, ...string[]],
  environment: Readonly<Record<string, string>> = {},
): RunningProcess {
  const [command, ...args] = argv;
  const server = startProcess({
    name,
    command,
    args,
    logFile: join(context.runDir, `${name}.log`),
    env: { ...process.env, ...environment },
    tiedToParent: context.tiedToParent,
  });
  context.started.push(server);
  return server;
}

/** logTail returns the end of a process's log, for error messages. */
export function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

/** WaitOptions bound a readiness wait. */
export interface WaitOptions {
  readonly what: string;
  readonly timeoutMs: number;
  /** The process whose readiness is awaited: its early exit fails the wait at once. */
  readonly process?: RunningProcess;
  readonly intervalMs?: number;
}

/**
 * waitUntil polls `ready` until it returns true. It fails fast when the awaited process
 * exits, and otherwise at the deadline, quoting the process log either way.
 */
export async function waitUntil(
  ready: () => Promise<boolean> | boolean,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exited: number | null | undefined;
  void options.process?.exit.then((code) => {
    exited = code;
  });
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited !== undefined) throw processFailure(options, `exited with code ${String(exited)}`);
    try {
      if (await ready()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(options.intervalMs ?? 100);
  }
  throw processFailure(options, `not ready after ${options.timeoutMs} ms ${lastError}`.trim());
}

function processFailure(options: WaitOptions, why: string): TestEnvError {
  const log = options.process
    ? `\n--- ${options.process.logFile}\n${logTail(options.process.logFile)}`
    : '';
  return new TestEnvError(`${options.what} ${why}${log}`);
}

/** isAlive tells whether a pid still names a running process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * stopProcessGroup sends SIGTERM to the process group, waits for the leader to go, and
 * sends SIGKILL after `graceMs`. It never leaves a process behind.
 */
export async function stopProcessGroup(pid: number, graceMs = 5_000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(20);
}

/** killProcessGroupNow is for exit handlers, which cannot wait. */
export function killProcessGroupNow(pid: number): void {
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone: that is the goal.
  }
}
