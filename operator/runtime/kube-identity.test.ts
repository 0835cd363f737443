import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadKubeIdentity, TOKEN_FILE_REFRESH_MS } from './kube-identity.ts';
import { manualClock } from './testing.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'kube-identity-'));
}

function kubeconfig(
  at: string,
  name: string,
  body: { user?: object; cluster?: object; current?: string | undefined },
): string {
  const path = join(at, name);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      ...(body.current !== undefined && { 'current-context': body.current }),
      clusters: [{ name: 'c', cluster: { server: 'https://api.example:6443/', ...body.cluster } }],
      users: [{ name: 'u', user: body.user ?? {} }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    }),
  );
  return path;
}

const nowhere = { home: '/nonexistent-home', serviceAccountDir: '/nonexistent-sa' };

describe('loadKubeIdentity', () => {
  it('reads the current context of KUBECONFIG: server, CA, client certificate by file relative to the kubeconfig', async () => {
    const at = dir();
    writeFileSync(join(at, 'client.crt'), 'CERT');
    writeFileSync(join(at, 'client.key'), 'KEY');
    const path = kubeconfig(at, 'config', {
      current: 'x',
      cluster: { 'certificate-authority-data': b64('CA'), 'tls-server-name': 'kubernetes' },
      user: { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
    });

    const identity = loadKubeIdentity({ ...nowhere, env: { KUBECONFIG: path } });

    expect(identity.server).toBe('https://api.example:6443');
    expect(identity.tls.ca?.toString()).toBe('CA');
    expect(identity.tls.cert?.toString()).toBe('CERT');
    expect(identity.tls.key?.toString()).toBe('KEY');
    expect(identity.tls.servername).toBe('kubernetes');
    expect(identity.tls.rejectUnauthorized).toBeUndefined();
    expect(await identity.credentials()).toEqual({});
  });

  it('merges KUBECONFIG files as kubectl does: the first to name the current context wins, missing files are passed over', async () => {
    const at = dir();
    const first = kubeconfig(at, 'a', { current: 'x', user: { token: 'from-a' } });
    const second = kubeconfig(at, 'b', { current: 'other', user: { token: 'from-b' } });
    const env = { KUBECONFIG: [join(at, 'missing'), first, second].join(':') };

    const identity = loadKubeIdentity({ ...nowhere, env });

    expect(await identity.credentials()).toEqual({ Authorization: 'Bearer from-a' });
  });

  it('reads a token file again once a minute has passed, as rotated tokens need', async () => {
    const at = dir();
    const tokenPath = join(at, 'token');
    writeFileSync(tokenPath, 'one\n');
    const path = kubeconfig(at, 'config', { current: 'x', user: { tokenFile: 'token' } });
    const { clock, advance } = manualClock();
    const identity = loadKubeIdentity({ ...nowhere, env: { KUBECONFIG: path }, clock });

    expect(await identity.credentials()).toEqual({ Authorization: 'Bearer one' });
    writeFileSync(tokenPath, 'two\n');
    expect(await identity.credentials()).toEqual({ Authorization: 'Bearer one' });
    await advance(TOKEN_FILE_REFRESH_MS);
    expect(await identity.credentials()).toEqual({ Authorization: 'Bearer two' });
  });

  it('uses the in-cluster service account when there is no kubeconfig', async () => {
    const sa = dir();
    writeFileSync(join(sa, 'ca.crt'), 'CLUSTER-CA');
    writeFileSync(join(sa, 'token'), 'sa-token');
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };

    const identity = loadKubeIdentity({ env, home: '/nonexistent-home', serviceAccountDir: sa });

    expect(identity.server).toBe('https://[fd00::1]:443');
    expect(identity.tls.ca?.toString()).toBe('CLUSTER-CA');
    expect(await identity.credentials()).toEqual({ Authorization: 'Bearer sa-token' });
  });

  it('refuses an exec plugin, naming the user and what to use instead', () => {
    const path = kubeconfig(dir(), 'config', {
      current: 'x',
      user: { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } },
    });
    expect(() => loadKubeIdentity({ ...nowhere, env: { KUBECONFIG: path } })).toThrow(
      "the kubeconfig's user u authenticates through an exec or auth-provider plugin, which the operator does not run: give it a client certificate or a token (in a cluster, its service account)",
    );
  });

  it('says what is missing: no identity anywhere, no current context, an invalid file', () => {
    expect(() => loadKubeIdentity({ ...nowhere, env: {} })).toThrow(
      'no Kubernetes identity: set KUBECONFIG, create ~/.kube/config, or run in a cluster',
    );
    const at = dir();
    const noContext = kubeconfig(at, 'config', { current: undefined });
    expect(() => loadKubeIdentity({ ...nowhere, env: { KUBECONFIG: noContext } })).toThrow(
      `the kubeconfig ${noContext} names no current-context`,
    );
    const invalid = join(at, 'invalid');
    writeFileSync(invalid, stringify({ clusters: [{ name: 'c', cluster: { server: 7 } }] }));
    expect(() => loadKubeIdentity({ ...nowhere, env: { KUBECONFIG: invalid } })).toThrow(
      `the kubeconfig ${invalid} is not valid`,
    );
  });
});
