// containerd as the real node's container runtime: every directory and socket under the
// run's node folder, so several runs on one machine never share state.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runLogged, type NodeBinaries } from '../binaries.ts';
import { startServer, waitUntil, type RunningProcess, type ServerContext } from '../processes.ts';
import type { LocalImage } from './images.ts';

/** CONTAINERD_NAMESPACE is the containerd namespace the CRI plugin (and so the kubelet) uses. */
export const CONTAINERD_NAMESPACE = 'k8s.io';

/** Containerd is a started containerd and the socket its clients dial. */
export interface Containerd {
  readonly process: RunningProcess;
  readonly socket: string;
}

/** ContainerdInput names the binaries, the node's folder and the pod sandbox image. */
export interface ContainerdInput {
  readonly binaries: NodeBinaries;
  readonly dir: string;
  readonly sandboxImage: string;
}

/**
 * startContainerd writes containerd's configuration and starts it. The rules it keeps:
 * runc is the only runtime, with cgroupfs (the kubelet's driver); `restrict_oom_score_adj`,
 * because the environment may not lower a process's OOM score below its own; the pause
 * image is pinned as the sandbox image (never pulled); and the CNI configuration declares
 * a network no pod ever joins, because every pod of this node runs in the host's network
 * (see pod-network.ts) and the runtime reports its network ready only when one is declared.
 */
export async function startContainerd(
  input: ContainerdInput,
  context: ServerContext,
): Promise<Containerd> {
  const dir = join(input.dir, 'containerd');
  const cniConf = join(dir, 'cni-conf');
  await mkdir(cniConf, { recursive: true });
  await writeFile(join(cniConf, '10-host-only.conflist'), JSON.stringify(HOST_ONLY_NETWORK));
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  await writeFile(
    config,
    containerdConfig({
      dir,
      socket,
      cniConf,
      runc: input.binaries.runc,
      sandboxImage: input.sandboxImage,
    }),
  );
  const server = startServer(
    context,
    'containerd',
    [input.binaries.containerd, '--config', config],
    {
      // containerd finds its shim on PATH.
      PATH: `${input.binaries.shimDir}:${process.env.PATH ?? ''}`,
    },
  );
  await waitUntil(
    async () => {
      await ctr(input.binaries.ctr, socket, ['version']);
      return true;
    },
    { what: 'containerd', timeoutMs: 30_000, process: server },
  );
  return { process: server, socket };
}

/** importImage imports an image archive into the namespace the kubelet sees, unpacked. */
export async function importImage(
  ctrBinary: string,
  socket: string,
  image: LocalImage,
): Promise<void> {
  await ctr(ctrBinary, socket, ['images', 'import', image.archive]);
}

async function ctr(binary: string, socket: string, args: string[]): Promise<void> {
  await runLogged(binary, ['--address', socket, '--namespace', CONTAINERD_NAMESPACE, ...args]);
}

// A network that is declared and never used: hostNetwork pods skip CNI entirely.
const HOST_ONLY_NETWORK = {
  cniVersion: '1.0.0',
  name: 'testenv-host-network-only',
  plugins: [{ type: 'testenv-no-pod-network' }],
};

interface ConfigInput {
  readonly dir: string;
  readonly socket: string;
  readonly cniConf: string;
  readonly runc: string;
  readonly sandboxImage: string;
}

function containerdConfig(input: ConfigInput): string {
  const q = (value: string): string => JSON.stringify(value);
  const { dir } = input;
  return `version = 3
root = ${q(join(dir, 'root'))}
state = ${q(join(dir, 'state'))}

[grpc]
  address = ${q(input.socket)}

[ttrpc]
  address = ${q(`${input.socket}.ttrpc`)}

[plugins.'io.containerd.internal.v1.opt']
  path = ${q(join(dir, 'opt'))}

[plugins.'io.containerd.nri.v1.nri']
  disable = true

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = ${q(input.sandboxImage)}

[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  cdi_spec_dirs = []
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = [${q(join(dir, 'cni-bin'))}]
    conf_dir = ${q(input.cniConf)}
    use_internal_loopback = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = ${q(input.runc)}
        Root = ${q(join(dir, 'runc'))}
        SystemdCgroup = false

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;
}
