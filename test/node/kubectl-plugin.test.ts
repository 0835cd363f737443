// `kubectl awscheck logs NAME` on the real node: the apiserver reads the checker's log from
// the kubelet (the Node is named 127.0.0.1, so it reaches it), which the pod runner of the
// e2e tier cannot serve. kubectl finds the plugin on PATH, as a user's does.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoPath } from '../env/paths.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import type { RunningOperator } from '../support/operator.ts';
import { createNodeTenant, startNodeOperator } from './operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;
let pluginDir: string;

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// kubectl runs with the plugin's directory first on PATH, and Node 24 for its shim.
function kubectl(args: readonly string[]): Promise<Ran> {
  const path = [pluginDir, dirname(process.execPath), '/usr/bin', '/bin'].join(':');
  return new Promise((resolve) => {
    execFile(
      env.kubectl,
      [...args],
      { env: { PATH: path, KUBECONFIG: env.kubeconfig, HOME: pluginDir }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  pluginDir = await mkdtemp(join(tmpdir(), 'kubectl-plugins-'));
  await symlink(repoPath('operator/kubectl-plugin/bin.js'), join(pluginDir, 'kubectl-awscheck'));
  operator = await startNodeOperator(env);
});

afterAll(async () => {
  await operator.stop();
  await rm(pluginDir, { recursive: true, force: true });
});

describe('kubectl awscheck logs on the real node', () => {
  it("prints the checker's JSON lines of the last run, ending with its result", async () => {
    const namespace = await createNodeTenant(env, admin, objects);
    await objects.create('awschecks', namespace, {
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCheck',
      metadata: { name: 'identity' },
      spec: { credentialRef: { name: 'readonly' }, service: 'sts', type: 'HealthCheck' },
    });
    await eventually('identity to have a finished run', async () => {
      const check = await objects.check(namespace, 'identity');
      return conditionOf(check, 'Healthy')?.status === 'True' ? check : undefined;
    });

    const logs = await kubectl(['awscheck', 'logs', 'identity', '-n', namespace]);
    const result = await kubectl(['awscheck', 'logs', 'identity', '--result', '-n', namespace]);

    expect(logs).toMatchObject({ code: 0, stderr: '' });
    const lines = logs.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ kind: 'run', outcome: 'Succeeded', service: 'sts' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'run', outcome: 'Succeeded' });
  });
});
