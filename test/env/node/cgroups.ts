// The real node's cgroup root: its own folder in every cgroup v1 hierarchy, so the kubelet
// of one run never sees (and never cleans up) the pods of another run on the same machine.
import {
  existsSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { join } from 'node:path';

const CGROUP_MOUNT = '/sys/fs/cgroup';

// hierarchies are the mounted v1 controllers (cgroup2's `unified` holds no kubelet cgroups).
function hierarchies(): string[] {
  return readdirSync(CGROUP_MOUNT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'unified')
    .map((entry) => join(CGROUP_MOUNT, entry.name));
}

/**
 * createCgroupRoot makes `/<name>` in every hierarchy; a new cpuset gets its parent's
 * CPUs and memory nodes, since the kernel starts it with none.
 */
export function createCgroupRoot(name: string): string {
  for (const hierarchy of hierarchies()) {
    const dir = join(hierarchy, name);
    mkdirSync(dir, { recursive: true });
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (existsSync(join(dir, file)) && readFileSync(join(dir, file), 'utf8').trim() === '') {
        writeFileSync(join(dir, file), readFileSync(join(hierarchy, file)));
      }
    }
  }
  return `/${name}`;
}

/** cgroupProcesses lists every process in the cgroup root's tree (the pids hierarchy). */
export function cgroupProcesses(root: string): number[] {
  const pids: number[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
      if (line !== '') pids.push(Number(line));
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
    }
  };
  walk(join(CGROUP_MOUNT, 'pids', root));
  return pids;
}

/** removeCgroupRoot removes the root's tree, deepest first, once its processes are gone. */
export function removeCgroupRoot(root: string): void {
  const remove = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) remove(join(dir, entry.name));
    }
    rmdirSync(dir);
  };
  for (const hierarchy of hierarchies()) {
    const dir = join(hierarchy, root);
    if (existsSync(dir)) remove(dir);
  }
}
