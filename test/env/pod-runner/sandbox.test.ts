import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1PodSecurityContext, V1Secret, V1SecretVolumeSource } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { PodSetupError, VolumeMountError, prepareSandbox, type SandboxInput } from './sandbox.ts';

const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

interface PodShape {
  readonly secret?: V1SecretVolumeSource;
  readonly securityContext?: V1PodSecurityContext;
}

// input is a pod of one container `main` (command `sh`) in namespace `ns`, uid `u1`, with
// a Secret volume `keys` at /keys when asked, and the Secrets that exist by name.
async function input(
  shape: PodShape,
  secrets: Record<string, Record<string, string>>,
  imageUser = 65532,
): Promise<SandboxInput> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-'));
  dirs.push(dir);
  return {
    pod: {
      metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
      spec: {
        ...(shape.securityContext && { securityContext: shape.securityContext }),
        containers: [
          {
            name: 'main',
            command: ['sh', '/keys/token'],
            ...(shape.secret && { volumeMounts: [{ name: 'keys', mountPath: '/keys' }] }),
          },
        ],
        ...(shape.secret && { volumes: [{ name: 'keys', secret: shape.secret }] }),
      },
    },
    dir,
    programs: { sh: '/bin/sh' },
    nodeEnv: {},
    imageUser,
    readSecret: (name): Promise<V1Secret | undefined> => {
      const data = secrets[name];
      if (data === undefined) return Promise.resolve(undefined);
      const encoded = Object.fromEntries(
        Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      );
      return Promise.resolve({ metadata: { name }, data: encoded });
    },
  };
}

describe('prepareSandbox mounts Secret volumes as the kubelet does', () => {
  it('writes each key as a file and points the container at it', async () => {
    const sandbox = await prepareSandbox(
      await input({ secret: { secretName: 'creds' } }, { creds: { token: 't0k' } }),
    );
    const path = sandbox.argv[1] ?? '';
    expect(path).toMatch(/volumes\/keys\/token$/);
    expect(await readFile(path, 'utf8')).toBe('t0k');
  });

  it('fails the mount of a missing Secret with the kubelet’s FailedMount message', async () => {
    const setup = prepareSandbox(await input({ secret: { secretName: 'absent' } }, {}));
    await expect(setup).rejects.toThrow(VolumeMountError);
    await expect(setup).rejects.toThrow(
      'MountVolume.SetUp failed for volume "keys" : secret "absent" not found',
    );
  });

  it('fails the mount of a key named in items that the Secret lacks', async () => {
    const secret = { secretName: 'creds', items: [{ key: 'missing', path: 'token' }] };
    const setup = prepareSandbox(await input({ secret }, { creds: { other: 'x' } }));
    await expect(setup).rejects.toThrow(
      'MountVolume.SetUp failed for volume "keys" : references non-existent secret key: missing',
    );
  });

  it('mounts an optional missing Secret as an empty volume', async () => {
    const secret = { secretName: 'absent', optional: true };
    const sandbox = await prepareSandbox(await input({ secret }, {}));
    await expect(readFile(sandbox.argv[1] ?? '')).rejects.toThrow(/ENOENT/);
  });

  it('mounts once the Secret is complete, after a try that failed half-way', async () => {
    const items = [
      { key: 'token', path: 'token' },
      { key: 'extra', path: 'extra' },
    ];
    const first = await input(
      { secret: { secretName: 'creds', items } },
      { creds: { token: 'old' } },
    );
    // The first try wrote token (read-only) before it failed on extra.
    await expect(prepareSandbox(first)).rejects.toThrow(VolumeMountError);
    const complete = await input({}, { creds: { token: 'new', extra: 'e' } });
    const sandbox = await prepareSandbox({ ...first, readSecret: complete.readSecret });
    expect(await readFile(sandbox.argv[1] ?? '', 'utf8')).toBe('new');
  });
});

describe('prepareSandbox checks runAsNonRoot as the kubelet does', () => {
  it('refuses an image that would run as root', async () => {
    const setup = prepareSandbox(await input({ securityContext: { runAsNonRoot: true } }, {}, 0));
    await expect(setup).rejects.toThrow(PodSetupError);
    await expect(setup).rejects.toThrow(
      'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: main)',
    );
  });

  it('refuses runAsUser 0', async () => {
    const securityContext = { runAsNonRoot: true, runAsUser: 0 };
    await expect(prepareSandbox(await input({ securityContext }, {}))).rejects.toThrow(
      'container\'s runAsUser breaks non-root policy (pod: "p_ns(u1)", container: main)',
    );
  });

  it('admits the image’s non-root user, and a non-root runAsUser over a root image', async () => {
    const nonRoot = { securityContext: { runAsNonRoot: true } };
    await expect(prepareSandbox(await input(nonRoot, {}, 65532))).resolves.toBeDefined();
    const asUser = { securityContext: { runAsNonRoot: true, runAsUser: 1000 } };
    await expect(prepareSandbox(await input(asUser, {}, 0))).resolves.toBeDefined();
  });
});
