// The library as tenants get it: `npm run build` compiles cdk8s/index.ts with declarations,
// the package exports it as `awscheck-operator/cdk8s`, and a tenant's strict TypeScript app
// typechecks against it and synthesizes checks our schemas accept.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsCheck as AwsCheckSchema } from '../operator/api/v1alpha1/awscheck.ts';
import { parseWith } from '../operator/api/v1alpha1/parse.ts';

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** BUILDS bounds the tests that run the TypeScript compiler, on a loaded machine too. */
const BUILDS = { timeout: 300_000 };

/** PackageJson is what a tenant's npm reads of our package.json: its exports and peers. */
interface PackageJson {
  readonly name: string;
  readonly exports: Readonly<Record<string, unknown>>;
  readonly peerDependencies: Readonly<Record<string, string>>;
}

/** PACKAGE is the root package.json, as published. */
const PACKAGE = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

const TENANT_APP = `
import { App, Chart } from 'cdk8s';
import { AwsAccountChecks, AwsCheckSpecService } from 'awscheck-operator/cdk8s';

const app = new App();
new AwsAccountChecks(new Chart(app, 'checks', { namespace: 'team-a' }), 'prod', {
  name: 'prod',
  credentials: { secretRef: { name: 'prod-keys' } },
  checks: { ec2: { service: AwsCheckSpecService.EC2, type: 'HealthCheck' } },
});
process.stdout.write(app.synthYaml());
`;

const TENANT_MISTAKE = `
import { App, Chart } from 'cdk8s';
import { AwsAccountChecks } from 'awscheck-operator/cdk8s';

new AwsAccountChecks(new Chart(new App(), 'checks'), 'prod', {
  name: 'prod',
  credentials: {},
  checks: { ec2: { service: 'ec3', type: 'HealthCheck' } },
});
`;

let dir: string;
let tenant: string;

/** tenantTsconfig is a tenant's strict configuration, checking the library's declarations too. */
const tenantTsconfig = (file: string): object => ({
  compilerOptions: {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
  },
  files: [file],
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awscheck-cdk8s-package-'));
  tenant = join(dir, 'tenant');
  const modules = join(tenant, 'node_modules');
  const pkg = join(modules, 'awscheck-operator');
  await mkdir(join(modules, '@types'), { recursive: true });
  // Our peers, which a tenant installs beside us, and what the build needs besides.
  for (const name of [...Object.keys(PACKAGE.peerDependencies), 'yaml', '@types/node']) {
    await symlink(join(ROOT, 'node_modules', name), join(modules, name));
  }
  // npm run build's library step (cdk8s/tsconfig.build.json), into the tenant's copy.
  const build = join(dir, 'tsconfig.build.json');
  await writeFile(
    build,
    JSON.stringify({
      extends: join(ROOT, 'cdk8s/tsconfig.build.json'),
      compilerOptions: {
        outDir: join(pkg, 'dist'),
        rootDir: ROOT,
        typeRoots: [join(ROOT, 'node_modules/@types')],
      },
    }),
  );
  await run(process.execPath, [tsc, '-p', build]);
  await writeFile(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: PACKAGE.name,
      type: 'module',
      exports: PACKAGE.exports,
      peerDependencies: PACKAGE.peerDependencies,
    }),
  );
  await writeFile(join(tenant, 'package.json'), JSON.stringify({ type: 'module' }));
}, BUILDS.timeout);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function typecheck(file: string, code: string): Promise<void> {
  await writeFile(join(tenant, file), code);
  const config = join(tenant, `tsconfig.${file}.json`);
  await writeFile(config, JSON.stringify(tenantTsconfig(file)));
  await run(process.execPath, [tsc, '-p', config], { cwd: tenant });
}

describe('awscheck-operator/cdk8s, compiled and exported', () => {
  it(
    'typechecks a tenant’s strict app, which synthesizes checks our schemas accept',
    BUILDS,
    async () => {
      await typecheck('main.ts', TENANT_APP);

      const { stdout } = await run(process.execPath, ['main.ts'], { cwd: tenant });

      const objects = parseAllDocuments(stdout).map((document) => document.toJS() as unknown);
      expect(objects).toHaveLength(2);
      expect(parseWith(AwsCheckSchema, objects[1])).toMatchObject({ ok: true });
    },
  );

  it('refuses a service the CRD does not know, at compile time', BUILDS, async () => {
    const refused = await typecheck('mistake.ts', TENANT_MISTAKE).then(
      () => ({ stdout: 'tsc accepted the mistake' }),
      (error: unknown) => error as { stdout: string },
    );

    // tsc prints its diagnostics on stdout.
    expect(refused.stdout).toContain(
      `Type '"ec3"' is not assignable to type 'AwsCheckSpecService'`,
    );
  });
});
