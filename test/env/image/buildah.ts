// Debian's buildah, run as root on this machine. Every container it runs uses runc: Debian's
// crun fails on the hybrid cgroup v1 layout these machines have.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestEnvError } from '../errors.ts';

const run = promisify(execFile);

/** RUNTIME is the OCI runtime every buildah step runs containers with. */
export const RUNTIME = 'runc';

/** buildah runs one buildah command and returns its stdout; a failure throws with its stderr. */
export async function buildah(
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv | undefined } = {},
): Promise<string> {
  try {
    const { stdout } = await run('buildah', [...args], {
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, ...options.env },
    });
    return stdout;
  } catch (error) {
    const detail =
      error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    throw new TestEnvError(`buildah ${args.join(' ')} failed:\n${detail.trim().slice(-6000)}`);
  }
}

/** ImageConfig is the part of an image's OCI config the test environment reads. */
export interface ImageConfig {
  readonly User?: string;
  readonly Env?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly WorkingDir?: string;
  readonly Labels?: Readonly<Record<string, string>>;
}

/** imageConfig reads an image's OCI config from buildah storage, or undefined when it lacks the image. */
export async function imageConfig(ref: string): Promise<ImageConfig | undefined> {
  const inspected = await inspectImage(ref);
  if (inspected === undefined) return undefined;
  return inspected.OCIv1?.config ?? {};
}

/** imageId is the id (config digest, hex) of the image `ref` names in buildah storage, or undefined when it names none. */
export async function imageId(ref: string): Promise<string | undefined> {
  const inspected = await inspectImage(ref);
  if (inspected === undefined) return undefined;
  if (inspected.FromImageID === undefined)
    throw new TestEnvError(`buildah inspect ${ref} shows no FromImageID`);
  return inspected.FromImageID;
}

interface InspectedImage {
  readonly FromImageID?: string;
  readonly OCIv1?: { readonly config?: ImageConfig };
}

// inspectImage is `buildah inspect` of an image, or undefined when storage lacks it.
async function inspectImage(ref: string): Promise<InspectedImage | undefined> {
  const listed = await buildah(['images', '--json', ref]).catch(() => undefined);
  if (listed === undefined) return undefined;
  return JSON.parse(await buildah(['inspect', '--type', 'image', ref])) as InspectedImage;
}
