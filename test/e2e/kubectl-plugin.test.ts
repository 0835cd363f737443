// kubectl-awscheck through real kubectl: kubectl finds the plugin on PATH (as `kubectl
// plugin list` shows) and runs `kubectl awscheck status|run|logs` against the real
// operator, whose checks run through the pod runner against moto.
import { execFile } from 'node:child_process';
import { mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mintKubeconfig } from '../env/environment.ts';
import { repoPath } from '../env/paths.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';
import { createTenant } from '../support/tenant.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;
let pluginDir: string;
let namespace: string;

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// kubectl runs with the plugin's directory first on PATH, and Node 24 for its shim.
function kubectl(args: readonly string[], kubeconfig = env.kubeconfig): Promise<Ran> {
  const path = [pluginDir, dirname(process.execPath), '/usr/bin', '/bin'].join(':');
  return new Promise((resolve) => {
    execFile(
      env.kubectl,
      [...args],
      { env: { PATH: path, KUBECONFIG: kubeconfig, HOME: pluginDir }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function ec2Check(name: string, spec: Record<string, unknown>): object {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: {
      credentialRef: { name: 'readonly' },
      service: 'ec2',
      type: 'ResourceList',
      regions: ['us-east-1'],
      ...spec,
    },
  };
}

async function settled(name: string): Promise<void> {
  await eventually(`${name} to have a finished run`, async () => {
    const check = await objects.check(namespace, name);
    const healthy = conditionOf(check, 'Healthy')?.status;
    return healthy === 'True' || healthy === 'False' ? check : undefined;
  });
}

beforeAll(async () => {
  pluginDir = await mkdtemp(join(tmpdir(), 'kubectl-plugins-'));
  await symlink(repoPath('operator/kubectl-plugin/bin.js'), join(pluginDir, 'kubectl-awscheck'));
  operator = await startOperator(env, await installOperator(env));
  const ec2 = new EC2Client({
    endpoint: env.awsEndpointUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 3, MaxCount: 3 }));
  namespace = await createTenant(admin, objects);
  await objects.create(
    'awschecks',
    namespace,
    ec2Check('instances', { expect: { min: 1, max: 10 } }),
  );
  await objects.create('awschecks', namespace, ec2Check('too-few', { expect: { min: 5 } }));
  await Promise.all([settled('instances'), settled('too-few')]);
});

afterAll(async () => {
  await operator.stop();
});

describe('kubectl awscheck', () => {
  it('is found by kubectl on PATH', async () => {
    const listed = await kubectl(['plugin', 'list']);

    expect(listed.stdout).toContain(join(pluginDir, 'kubectl-awscheck'));
    const help = await kubectl(['awscheck', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('kubectl awscheck run NAME');
  });

  it('status: a table of the namespace’s checks with reasons, and across namespaces with -A', async () => {
    const other = await createTenant(admin, objects);
    await objects.create('awschecks', other, {
      ...ec2Check('orphan', {}),
      spec: { credentialRef: { name: 'nowhere' }, service: 'sts', type: 'HealthCheck' },
    });
    await eventually('orphan to be Stalled', async () => {
      const check = await objects.check(other, 'orphan');
      return conditionOf(check, 'Stalled')?.status === 'True' ? check : undefined;
    });

    const table = await kubectl(['awscheck', 'status', '-n', namespace]);
    const all = await kubectl(['awscheck', 'status', '-A']);

    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE +NAME +READY +HEALTHY +REASON +LAST-RUN +AGE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        new RegExp(`^${namespace} +instances +True +True +- +\\d+s ago +\\d+s$`),
      ),
      expect.stringMatching(
        new RegExp(`^${namespace} +too-few +True +False +CountOutOfRange +\\d+s ago +\\d+s$`),
      ),
    ]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(
      new RegExp(`${other} +orphan +False +Unknown +InvalidConfiguration +<none>`),
    );
    // Column widths follow the longest name in the cluster, which other files' checks set.
    expect(all.stdout).toMatch(new RegExp(`${namespace} +too-few `));
  });

  it('run --wait: runs now, prints the result and exits 0 when it succeeded', async () => {
    const ran = await kubectl([
      'awscheck',
      'run',
      'instances',
      '--wait',
      '--timeout',
      '90s',
      '-n',
      namespace,
    ]);

    expect(ran.stderr).toContain('run requested (awscheck.io/run-now=kubectl-');
    expect(ran).toMatchObject({ code: 0 });
    expect(ran.stdout).toMatch(
      /^awscheck\/instances run instances-now-[0-9a-f]{8}: Succeeded in \d+\.\ds\n/,
    );
    expect(ran.stdout).toContain('resources: 3, unhealthy: 0');
    const check = await objects.check(namespace, 'instances');
    expect(check.status?.lastRun?.jobName).toMatch(/^instances-now-/);
    expect(check.status?.runNowToken).toMatch(/^kubectl-/);
  });

  it('run --wait: exits 1 with the reason when the run fails', async () => {
    const ran = await kubectl(['awscheck', 'run', 'too-few', '--wait', '-n', namespace]);

    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/too-few-now-[0-9a-f]{8}: Failed \(CountOutOfRange\)/);
  });

  it('run: refuses a check that cannot run, asking for nothing', async () => {
    await objects.create('awschecks', namespace, {
      ...ec2Check('no-credentials', {}),
      spec: { credentialRef: { name: 'nowhere' }, service: 'sts', type: 'HealthCheck' },
    });
    await eventually('no-credentials to be Stalled', async () => {
      const check = await objects.check(namespace, 'no-credentials');
      return conditionOf(check, 'Stalled')?.status === 'True' ? check : undefined;
    });

    const ran = await kubectl(['awscheck', 'run', 'no-credentials', '-n', namespace]);

    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(
      /^error: awscheck\/no-credentials cannot run, so no run was requested: InvalidConfiguration: /,
    );
    const check = await objects.check(namespace, 'no-credentials');
    expect(check.metadata.annotations?.['awscheck.io/run-now']).toBeUndefined();
  });

  it('status NAME -A: refused as kubectl refuses it', async () => {
    const ran = await kubectl(['awscheck', 'status', 'instances', '-A']);

    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('a resource cannot be retrieved by name across all namespaces');
  });

  it('logs --result: the last run’s result from its Pod’s termination message', async () => {
    const logs = await kubectl(['awscheck', 'logs', 'instances', '--result', '-n', namespace]);

    expect(logs.code).toBe(0);
    const result = JSON.parse(logs.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      kind: 'run',
      outcome: 'Succeeded',
      resources: 3,
      service: 'ec2',
    });
  });

  // The pod runner stands in for a kubelet but serves no logs (the apiserver reads them from
  // the node's kubelet), so here the full log is refused and the plugin says where else the
  // run's detail is; the node tier, with a real kubelet, serves it.
  it('logs: where no kubelet serves the log, says why and where the run’s result is', async () => {
    const logs = await kubectl(['awscheck', 'logs', 'instances', '-n', namespace]);

    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(
      /^error: cannot read the checker's log from Pod instances-[a-z0-9-]+: Error from server \(NotFound\): .+ not found\. /,
    );
    expect(logs.stderr).toContain(
      `shown by: kubectl awscheck logs instances --result -n ${namespace}`,
    );
  });

  it('says what is wrong: a check not found, a forbidden identity, a wrong context', async () => {
    const missing = await kubectl(['awscheck', 'run', 'nowhere', '-n', namespace]);
    const nobody = await mintKubeconfig(env, 'awscheck-plugin-nobody');
    const forbidden = await kubectl(['awscheck', 'status', '-n', namespace], nobody);
    const context = await kubectl(['awscheck', 'status', '--context', 'elsewhere']);
    const usage = await kubectl(['awscheck', 'run']);

    expect(missing).toMatchObject({
      code: 1,
      stderr: `error: awscheck "nowhere" not found in namespace "${namespace}": list them with kubectl awscheck status -n ${namespace}\n`,
    });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain(
      `Error from server (Forbidden): you may not list awschecks in namespace "${namespace}"`,
    );
    expect(context.code).toBe(1);
    expect(context.stderr).toContain('context "elsewhere" is not in the kubeconfig');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('run takes one AwsCheck name');
  });
});
