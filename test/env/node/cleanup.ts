// What a stopped node leaves that stopping its servers does not end: containerd's shims run
// in process groups of their own (so containers outlive containerd), and the kubelet and
// containerd mount volumes and root filesystems under the node's folder.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLogged } from '../binaries.ts';
import { isAlive } from '../processes.ts';
import { cgroupProcesses } from './cgroups.ts';

/**
 * killContainers ends every shim of the node's containerd (found by the socket path on
 * its command line, which names this run's folder) and every process in the node's
 * cgroups, and waits until they are gone.
 */
export async function killContainers(containerdSocket: string, cgroupRoot: string): Promise<void> {
  const pids = [...shimsOf(containerdSocket), ...cgroupProcesses(cgroupRoot)];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 10_000;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
}

function shimsOf(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const address = argv.indexOf('-address');
    if (address >= 0 && argv[address + 1] === socket) pids.push(Number(entry));
  }
  return pids;
}

/** unmountUnder unmounts every mount below `dir`, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const prefix = `${dir}/`;
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''))
    .filter((point) => point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const point of new Set(points)) await runLogged('umount', ['--lazy', point]);
}

// mountinfo escapes space, tab, newline and backslash as octal.
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}
