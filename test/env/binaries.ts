import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TestEnvError } from './errors.ts';
import { buildLocked } from './lock.ts';
import { cachePath, repoPath } from './paths.ts';
import { requireTools } from './prerequisites.ts';
import { versions } from './versions.ts';

const run = promisify(execFile);

/** Binaries are the absolute paths of every server the environment starts. */
export interface Binaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  /** kubectl of the same release, for tenants' kubeconfigs and a developer's shell. */
  readonly kubectl: string;
  readonly stripeMock: string;
  /** The python of moto's virtualenv; moto runs as `python -m moto.server`. */
  readonly motoPython: string;
}

/** Progress receives a line for every slow step (a first build takes minutes). */
export type Progress = (line: string) => void;

/**
 * ensureBinaries builds or installs whatever the cache lacks and returns the paths.
 * KUBEBUILDER_ASSETS, when set, supplies etcd, kube-apiserver and kube-controller-manager.
 */
export async function ensureBinaries(progress: Progress): Promise<Binaries> {
  const assets = process.env.KUBEBUILDER_ASSETS;
  const [control, stripeMock, motoPython] = await Promise.all([
    assets ? fromAssets(assets) : buildControlPlane(progress),
    installStripeMock(progress),
    installMoto(progress),
  ]);
  // After the control plane: two big Go builds at once are slower than in turn.
  const kubectl = await buildKubectl(progress);
  return { ...control, kubectl, stripeMock, motoPython };
}

type ControlPlaneBinaries = Pick<Binaries, 'etcd' | 'kubeApiserver' | 'kubeControllerManager'>;

function fromAssets(dir: string): ControlPlaneBinaries {
  const binaries = {
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
  };
  const missing = Object.values(binaries).filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new TestEnvError(
      `KUBEBUILDER_ASSETS=${dir} lacks ${missing.join(', ')}; unset it to build the control plane from source`,
    );
  }
  return binaries;
}

// The control plane is built sequentially: two big Go builds at once on a small machine
// are slower than one after the other and can exhaust memory.
async function buildControlPlane(progress: Progress): Promise<ControlPlaneBinaries> {
  requireTools(['go']);
  const kubeDir = cachePath('kubernetes', versions.kubernetes);
  await buildLocked(
    kubeDir,
    progress,
    `kube-apiserver and kube-controller-manager ${versions.kubernetes}`,
    (out) =>
      goBuild(repoPath('test/env/go/kube'), `${out}/`, [
        'k8s.io/kubernetes/cmd/kube-apiserver',
        'k8s.io/kubernetes/cmd/kube-controller-manager',
      ]),
  );
  const etcdDir = cachePath('etcd', versions.etcd);
  await buildLocked(etcdDir, progress, `etcd ${versions.etcd}`, (out) =>
    goBuild(repoPath('test/env/go/etcd'), join(out, 'etcd'), ['.']),
  );
  return {
    etcd: join(etcdDir, 'etcd'),
    kubeApiserver: join(kubeDir, 'kube-apiserver'),
    kubeControllerManager: join(kubeDir, 'kube-controller-manager'),
  };
}

// goBuild builds `packages` of a module to `output` (a file, or a folder ending in /). The
// version stamp makes the Kubernetes binaries report their release; other programs lack
// the symbol, and the linker ignores it there.
export async function goBuild(
  moduleDir: string,
  output: string,
  packages: string[],
): Promise<void> {
  const ldflags = `-s -w -X k8s.io/component-base/version.gitVersion=${versions.kubernetes}`;
  const args = ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', output, ...packages];
  await runLogged('go', args, { cwd: moduleDir });
}

// kubectl is cached apart from the control plane, so adding it rebuilt nothing else.
async function buildKubectl(progress: Progress): Promise<string> {
  requireTools(['go']);
  const dir = cachePath('kubectl', versions.kubernetes);
  await buildLocked(dir, progress, `kubectl ${versions.kubernetes}`, (out) =>
    goBuild(repoPath('test/env/go/kube'), join(out, 'kubectl'), ['k8s.io/kubernetes/cmd/kubectl']),
  );
  return join(dir, 'kubectl');
}

async function installStripeMock(progress: Progress): Promise<string> {
  requireTools(['go']);
  const dir = cachePath('stripe-mock', versions.stripeMock);
  await buildLocked(dir, progress, `stripe-mock ${versions.stripeMock}`, (out) =>
    runLogged('go', ['install', `github.com/stripe/stripe-mock@${versions.stripeMock}`], {
      env: { ...process.env, GOBIN: out },
    }),
  );
  return join(dir, 'stripe-mock');
}

/** ensureHelm installs helm (`go install`, pinned) into the cache once and returns its path. */
export async function ensureHelm(progress: Progress): Promise<string> {
  requireTools(['go']);
  const dir = cachePath('helm', versions.helm);
  await buildLocked(dir, progress, `helm ${versions.helm}`, (out) =>
    runLogged('go', ['install', `helm.sh/helm/v4/cmd/helm@${versions.helm}`], {
      env: { ...process.env, GOBIN: out },
    }),
  );
  return join(dir, 'helm');
}

// moto runs as `python -m moto.server` from its virtualenv: a virtualenv's own python
// finds its packages wherever the folder is, so it may be built aside and moved in place.
async function installMoto(progress: Progress): Promise<string> {
  requireTools(['python3']);
  const dir = cachePath('moto', versions.moto);
  await buildLocked(dir, progress, `moto ${versions.moto} in a virtualenv`, async (out) => {
    await runLogged('python3', ['-m', 'venv', out]);
    await runLogged(join(out, 'bin', 'python'), [
      '-m',
      'pip',
      'install',
      '--quiet',
      `moto[server]==${versions.moto}`,
    ]);
  });
  return join(dir, 'bin', 'python');
}

/** NodeBinaries are the real node's programs: kubelet, kube-scheduler and containerd's. */
export interface NodeBinaries {
  readonly kubelet: string;
  readonly kubeScheduler: string;
  readonly containerd: string;
  readonly ctr: string;
  /** The folder of containerd-shim-runc-v2, which containerd finds on PATH. */
  readonly shimDir: string;
  /** Debian's runc: the OCI runtime the shim runs containers with. */
  readonly runc: string;
}

/**
 * ensureNodeBinaries builds the real node's programs once per version: kubelet and
 * kube-scheduler from the control plane's go.mod, containerd (with ctr and the runc shim)
 * from its own module through the Go module proxy. runc is Debian's.
 */
export async function ensureNodeBinaries(progress: Progress): Promise<NodeBinaries> {
  requireTools(['go', 'runc']);
  const kubeDir = cachePath('kube-node', versions.kubernetes);
  await buildLocked(kubeDir, progress, `kubelet and kube-scheduler ${versions.kubernetes}`, (out) =>
    goBuild(repoPath('test/env/go/kube'), `${out}/`, [
      'k8s.io/kubernetes/cmd/kubelet',
      'k8s.io/kubernetes/cmd/kube-scheduler',
    ]),
  );
  const containerdDir = cachePath('containerd', versions.containerd);
  await buildLocked(containerdDir, progress, `containerd ${versions.containerd}`, (out) =>
    runLogged(
      'go',
      [
        'build',
        '-trimpath',
        // The node's snapshotter is overlayfs: the btrfs and devmapper ones need C headers.
        '-tags=no_btrfs no_devmapper',
        '-ldflags=-s -w',
        '-o',
        `${out}/`,
        ...['containerd', 'ctr', 'containerd-shim-runc-v2'].map(
          (command) => `github.com/containerd/containerd/v2/cmd/${command}`,
        ),
      ],
      { cwd: repoPath('test/env/go/containerd') },
    ),
  );
  return {
    kubelet: join(kubeDir, 'kubelet'),
    kubeScheduler: join(kubeDir, 'kube-scheduler'),
    containerd: join(containerdDir, 'containerd'),
    ctr: join(containerdDir, 'ctr'),
    shimDir: containerdDir,
    runc: commandPath('runc'),
  };
}

// commandPath finds a program on PATH, as the shell would.
function commandPath(command: string): string {
  return execFileSync('/bin/sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();
}

/** runLogged runs a command to its end; a failure throws with the tail of its stderr. */
export async function runLogged(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  try {
    await run(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const detail =
      error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    throw new TestEnvError(`${command} ${args.join(' ')} failed:\n${detail.trim().slice(-4000)}`);
  }
}
