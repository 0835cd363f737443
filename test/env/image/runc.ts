// Runs one process in an image's root filesystem with runc, the way containerd would for
// a pod: its own namespaces, no capabilities, no new privileges, the given user, and the
// root filesystem read-only when the pod asks for it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnvError } from '../errors.ts';

/** ContainerProcess is what a container spec says about its one process. */
export interface ContainerProcess {
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly uid: number;
  readonly gid: number;
  readonly readOnlyRoot: boolean;
}

/** ContainerResult is how the process ended and what it printed. */
export interface ContainerResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const TIMEOUT_MS = 60_000;
let sequence = 0;

/** runInRootfs runs the process in `rootfs` under runc and waits for it to end. */
export async function runInRootfs(
  rootfs: string,
  process_: ContainerProcess,
): Promise<ContainerResult> {
  const bundle = await mkdtemp(join(tmpdir(), 'awscheck-runc-'));
  const id = `awscheck-image-${process.pid}-${(sequence += 1)}`;
  await writeFile(join(bundle, 'config.json'), JSON.stringify(ociSpec(rootfs, process_)));
  try {
    return await runc(['run', '--bundle', bundle, id]);
  } finally {
    await runc(['delete', '--force', id]).catch(() => undefined);
    await rm(bundle, { recursive: true, force: true });
  }
}

function runc(args: readonly string[]): Promise<ContainerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('runc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TestEnvError(`runc ${args.join(' ')} did not end in ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new TestEnvError(`cannot start runc: ${error.message} (apt-get install runc)`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// ociSpec is runc's default spec (`runc spec`) with the pod's process, user and root.
function ociSpec(rootfs: string, process_: ContainerProcess): object {
  const noCapabilities = { bounding: [], effective: [], permitted: [], ambient: [] };
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: process_.uid, gid: process_.gid },
      args: [...process_.argv],
      env: [...process_.env],
      cwd: process_.cwd,
      capabilities: noCapabilities,
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: process_.readOnlyRoot },
    hostname: 'awscheck-image-test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/sys',
        type: 'sysfs',
        source: 'sysfs',
        options: ['nosuid', 'noexec', 'nodev', 'ro'],
      },
    ],
    linux: {
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount'].map((type) => ({ type })),
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
