import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { V1Container, V1Pod, V1Secret, V1SecretVolumeSource } from '@kubernetes/client-node';
import { cpuMillis, memoryBytes } from '../../../operator/quantity.ts';

/** DEFAULT_TERMINATION_MESSAGE_PATH is the kubelet's default. */
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/** PodSetupError is a pod the runner cannot start, with the kubelet's waiting reason. */
export class PodSetupError extends Error {
  override readonly name = 'PodSetupError';
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * VolumeMountError is a volume the kubelet cannot set up yet (a Secret or one of its keys
 * missing): it reports `FailedMount` with this message, leaves the container waiting
 * `ContainerCreating` and tries again, so the container starts once the Secret is there.
 * The message is the kubelet's: `MountVolume.SetUp failed for volume "<volume>" : <cause>`.
 */
export class VolumeMountError extends Error {
  override readonly name = 'VolumeMountError';
  constructor(volume: string, cause: string) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${cause}`);
  }
}

/** Sandbox is a pod's container made ready to run as a local process. */
export interface Sandbox {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly terminationMessageFile: string;
  readonly stdoutFile: string;
  readonly limits: Limits;
}

/** Limits are the container's resource limits, when it has them. */
export interface Limits {
  /** Enforced: a container over it is killed and reported `OOMKilled`. */
  readonly memoryBytes?: number;
  /** Read and checked, not enforced: the runner does not throttle CPU. */
  readonly cpuMillis?: number;
}

/** SandboxInput is what preparing a sandbox needs; secrets are read by the caller. */
export interface SandboxInput {
  readonly pod: V1Pod;
  readonly dir: string;
  /** Programs of the image → the local files that stand for them (node, the checker). */
  readonly programs: Readonly<Record<string, string>>;
  /** The Secret of that name in the pod's namespace, or undefined when there is none. */
  readonly readSecret: (name: string) => Promise<V1Secret | undefined>;
  /** The uid the image runs as when the pod names none (its Dockerfile's USER). */
  readonly imageUser: number;
  /** Environment the "node" adds, e.g. AWS_ENDPOINT_URL pointing at moto. */
  readonly nodeEnv: Readonly<Record<string, string>>;
}

/**
 * prepareSandbox lays a pod's volumes out as folders and rewrites the container's paths
 * to them, as a kubelet would mount them: Secret volumes become files (mode 0400), emptyDir
 * becomes an empty folder, and the termination-message path becomes a file the runner
 * reads when the process ends. Anything else a kubelet would do is refused, not faked.
 * Volumes come first, as on the kubelet: a volume it cannot set up throws VolumeMountError
 * (try again later); a container it cannot configure throws PodSetupError.
 */
export async function prepareSandbox(input: SandboxInput): Promise<Sandbox> {
  const container = onlyContainer(input.pod);
  const mounts = await mountVolumes(input, container);
  verifyRunAsNonRoot(input.pod, container, input.imageUser);
  const terminationPath = container.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH;
  const terminationMessageFile = join(input.dir, 'termination-log');
  mounts.set(terminationPath, terminationMessageFile);
  const rewrite = (value: string): string => rewritePath(value, mounts);
  const command = (container.command ?? []).map((part) => input.programs[part] ?? part);
  const argv = [...command, ...(container.args ?? [])].map(rewrite);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: input.dir };
  for (const variable of container.env ?? []) {
    if (variable.valueFrom !== undefined) {
      throw new PodSetupError(
        'CreateContainerConfigError',
        `env ${variable.name}: valueFrom is not supported by the local pod runner`,
      );
    }
    env[variable.name] = rewrite(variable.value ?? '');
  }
  return {
    argv,
    env: { ...env, ...input.nodeEnv },
    terminationMessageFile,
    stdoutFile: join(input.dir, 'stdout.log'),
    limits: readLimits(container),
  };
}

function readLimits(container: V1Container): Limits {
  const { memory, cpu } = container.resources?.limits ?? {};
  try {
    return {
      ...(memory !== undefined && { memoryBytes: memoryBytes(memory) }),
      ...(cpu !== undefined && { cpuMillis: cpuMillis(cpu) }),
    };
  } catch (error) {
    throw new PodSetupError('CreateContainerConfigError', `resources.limits: ${String(error)}`);
  }
}

function onlyContainer(pod: V1Pod): V1Container {
  const containers = pod.spec?.containers ?? [];
  const [container] = containers;
  if (
    containers.length !== 1 ||
    container === undefined ||
    (pod.spec?.initContainers ?? []).length > 0
  ) {
    throw new PodSetupError(
      'CreateContainerConfigError',
      'the local pod runner runs pods of exactly one container',
    );
  }
  return container;
}

async function mountVolumes(
  input: SandboxInput,
  container: V1Container,
): Promise<Map<string, string>> {
  const mounts = new Map<string, string>();
  // A retry starts from nothing: Secret files are read-only once written.
  await rm(join(input.dir, 'volumes'), { recursive: true, force: true });
  for (const mount of container.volumeMounts ?? []) {
    const volume = input.pod.spec?.volumes?.find((v) => v.name === mount.name);
    if (volume === undefined)
      throw new PodSetupError('CreateContainerConfigError', `volume ${mount.name} is not defined`);
    const dir = join(input.dir, 'volumes', mount.name);
    await mkdir(dir, { recursive: true });
    if (volume.secret !== undefined) {
      await mountSecret(input, mount.name, volume.secret, dir);
    } else if (volume.emptyDir === undefined) {
      throw new PodSetupError(
        'CreateContainerConfigError',
        `volume ${mount.name}: only secret and emptyDir volumes are supported`,
      );
    }
    mounts.set(mount.mountPath, dir);
  }
  return mounts;
}

// mountSecret writes the Secret's keys (or the `items` named) as files, as the kubelet's
// secret volume plugin does: a missing Secret or key fails the mount unless `optional`.
async function mountSecret(
  input: SandboxInput,
  volume: string,
  source: V1SecretVolumeSource,
  dir: string,
): Promise<void> {
  const name = source.secretName ?? '';
  const optional = source.optional === true;
  const secret = await input.readSecret(name);
  if (secret === undefined) {
    if (optional) return;
    throw new VolumeMountError(volume, `secret "${name}" not found`);
  }
  const data = secret.data ?? {};
  const files = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const { key, path } of files) {
    const value = data[key];
    if (value === undefined) {
      if (optional) continue;
      throw new VolumeMountError(volume, `references non-existent secret key: ${key}`);
    }
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), Buffer.from(value, 'base64'), { mode: 0o400 });
  }
}

/**
 * verifyRunAsNonRoot refuses a container that asks for runAsNonRoot and would run as root,
 * with the kubelet's messages (kuberuntime's verifyRunAsNonRoot). The user is the pod's or
 * container's runAsUser, else the image's. The runner only checks: it runs every container
 * as its own user and does not switch to the pod's.
 */
function verifyRunAsNonRoot(pod: V1Pod, container: V1Container, imageUser: number): void {
  const { runAsNonRoot, runAsUser } = effectiveRunAs(pod, container);
  if (runAsNonRoot !== true) return;
  const where = `(pod: "${podFormat(pod)}", container: ${container.name})`;
  if (runAsUser === 0) {
    throw new PodSetupError(
      'CreateContainerConfigError',
      `container's runAsUser breaks non-root policy ${where}`,
    );
  }
  if (runAsUser === undefined && imageUser === 0) {
    throw new PodSetupError(
      'CreateContainerConfigError',
      `container has runAsNonRoot and image will run as root ${where}`,
    );
  }
}

// effectiveRunAs: the container's security context overrides the pod's, field by field.
function effectiveRunAs(
  pod: V1Pod,
  container: V1Container,
): { runAsNonRoot?: boolean; runAsUser?: number } {
  const podContext = pod.spec?.securityContext ?? {};
  const context = container.securityContext ?? {};
  const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
  const runAsUser = context.runAsUser ?? podContext.runAsUser;
  return {
    ...(runAsNonRoot !== undefined && { runAsNonRoot }),
    ...(runAsUser !== undefined && { runAsUser }),
  };
}

// podFormat is how the kubelet names a pod in messages: name_namespace(uid).
function podFormat(pod: V1Pod): string {
  const { name, namespace, uid } = pod.metadata ?? {};
  return `${name ?? ''}_${namespace ?? ''}(${uid ?? ''})`;
}

// rewritePath maps a container path, or any path below a mount point, to its local folder;
// in `--flag=/path` only the part after `=` is a path.
function rewritePath(value: string, mounts: ReadonlyMap<string, string>): string {
  const equals = value.indexOf('=');
  if (equals > 0 && value[equals + 1] === '/') {
    return value.slice(0, equals + 1) + rewritePath(value.slice(equals + 1), mounts);
  }
  for (const [mountPath, local] of mounts) {
    if (value === mountPath) return local;
    if (value.startsWith(`${mountPath.replace(/\/$/, '')}/`))
      return local + value.slice(mountPath.replace(/\/$/, '').length);
  }
  return value;
}
