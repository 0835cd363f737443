// A container's memory limit, enforced the way this machine allows without privileges:
// the pod's process tree is sampled from /proc and killed when it goes over its limit.
//
// A kubelet has the kernel enforce the limit through the container's memory cgroup. The
// runner does not create cgroups: its processes live in a cgroup that belongs to whoever
// started it (a CI runner, a session manager, a developer's systemd slice), and cgroup v1
// is gone on most developer machines. Sampling is stricter than the kernel in one way
// (resident file pages of shared libraries count) and looser in one (a process that goes
// over and exits within one sampling interval is not seen); the per-process high-water
// mark (VmHWM) closes the gap for any process still alive at the next sample. The tier
// with a real kubelet judges the exact limit.
import { readdirSync, readFileSync } from 'node:fs';

/** DEFAULT_SAMPLE_INTERVAL_MS is how often a pod's process tree is measured. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 20;

/** MemoryUsage is one measurement of a process tree. */
export interface MemoryUsage {
  /** The sum of the tree's resident set sizes now. */
  readonly rssBytes: number;
  /** The largest resident set any one process of the tree has had (VmHWM). */
  readonly peakProcessBytes: number;
  readonly processes: number;
}

/** MemoryWatchOptions name the tree, its limit and what to do when it goes over. */
export interface MemoryWatchOptions {
  readonly pid: number;
  readonly limitBytes: number;
  readonly intervalMs?: number;
  /** Called once, on the first measurement over the limit; the watch then stops. */
  readonly onOver: (usage: MemoryUsage) => void;
}

/** MemoryWatch is a running watch; `peakBytes` is the most the tree was seen to use. */
export interface MemoryWatch {
  stop(): void;
  readonly peakBytes: number;
}

/**
 * watchMemory measures the process tree under `pid` every interval (and at once) and
 * calls `onOver` when the tree's resident memory, or any one process's peak, is over the
 * limit. Memory over the limit for even one sample is over it: a kernel would have acted.
 */
export function watchMemory(options: MemoryWatchOptions): MemoryWatch {
  let peakBytes = 0;
  const sample = (): void => {
    const usage = measureTree(options.pid);
    if (usage === undefined) return;
    peakBytes = Math.max(peakBytes, usage.rssBytes, usage.peakProcessBytes);
    if (peakBytes > options.limitBytes) {
      clearInterval(timer);
      options.onOver(usage);
    }
  };
  const timer = setInterval(sample, options.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS);
  sample();
  return {
    stop: () => {
      clearInterval(timer);
    },
    get peakBytes() {
      return peakBytes;
    },
  };
}

/** measureTree measures `pid` and its descendants, or undefined once `pid` is gone. */
export function measureTree(pid: number): MemoryUsage | undefined {
  const root = readStatus(pid);
  if (root === undefined) return undefined;
  let rssBytes = root.rss;
  let peakProcessBytes = root.hwm;
  let processes = 1;
  const queue = childrenOf(pid);
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const status = readStatus(next);
    if (status === undefined) continue;
    rssBytes += status.rss;
    peakProcessBytes = Math.max(peakProcessBytes, status.hwm);
    processes += 1;
    queue.push(...childrenOf(next));
  }
  return { rssBytes, peakProcessBytes, processes };
}

// childrenOf lists a process's children: each thread's children file (a child belongs to
// the thread that forked it).
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const tid of readdirOrEmpty(`/proc/${pid}/task`)) {
    const text = readOrEmpty(`/proc/${pid}/task/${tid}/children`);
    for (const child of text.split(' ')) if (child !== '') children.push(Number(child));
  }
  return children;
}

// readStatus reads VmRSS and VmHWM in bytes; a zombie or kernel thread has neither (0).
function readStatus(pid: number): { rss: number; hwm: number } | undefined {
  const text = readOrEmpty(`/proc/${pid}/status`);
  if (text === '') return undefined;
  return { rss: kilobytes(text, 'VmRSS'), hwm: kilobytes(text, 'VmHWM') };
}

function kilobytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
}

// A process can end between listing and reading: gone is empty, not an error.
function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function readdirOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
