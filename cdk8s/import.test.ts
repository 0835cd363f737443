import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CRD_FILES, IMPORTS_FILE, importedConstructs } from './import.ts';

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);
/** SPAWNS bounds the tests that start Node or the cdk8s CLI, on a loaded machine too. */
const SPAWNS = { timeout: 60_000 };

describe('the imported constructs', () => {
  it(
    'are what `cdk8s import` makes of the CRDs on disk (run npm run generate)',
    SPAWNS,
    async () => {
      const onDisk = await readFile(join(ROOT, IMPORTS_FILE), 'utf8');

      expect(onDisk, `${IMPORTS_FILE} is stale`).toBe(await importedConstructs());
    },
  );

  it('cover every kind, with no enum left', async () => {
    const code = await readFile(join(ROOT, IMPORTS_FILE), 'utf8');

    expect(CRD_FILES).toHaveLength(2);
    expect(code).toContain('export class AwsCheck extends ApiObject');
    expect(code).toContain('export class AwsCredentialRef extends ApiObject');
    expect(code).not.toMatch(/\benum\s+\w+\s*\{/);
  });

  it('run in Node as they are, by type stripping, and synthesize an AwsCheck', SPAWNS, async () => {
    const script = [
      `const { AwsCheck, AwsCheckSpecService } = await import(${JSON.stringify(join(ROOT, 'cdk8s/index.ts'))});`,
      "const { App, Chart } = await import('cdk8s');",
      "const chart = new Chart(new App(), 'tenant');",
      "new AwsCheck(chart, 'ec2', { metadata: { name: 'ec2' }, spec: { credentialRef: { name: 'prod' }, service: AwsCheckSpecService.EC2, type: 'HealthCheck' } });",
      'console.log(JSON.stringify(chart.toJson()));',
    ].join('\n');

    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
    });

    expect(JSON.parse(stdout)).toEqual([
      {
        apiVersion: 'awscheck.io/v1alpha1',
        kind: 'AwsCheck',
        metadata: { name: 'ec2' },
        spec: { credentialRef: { name: 'prod' }, service: 'ec2', type: 'HealthCheck' },
      },
    ]);
  });
});
