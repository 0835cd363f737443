// The command line end to end, in-process, for what needs no AWS: help, refusals of bad
// arguments and missing credentials, and the termination message they leave.
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseCommandLine, terminationLogOf } from './args.ts';
import { fromFiles } from './credentials.ts';
import { main } from './main.ts';
import { parseTerminationMessage } from './result.ts';
import { CHECK_TYPES, SERVICE_NAMES } from './service-names.ts';

let dir: string;
let out: string[];
let err: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'checker-main-'));
  out = [];
  err = [];
});

const io = (env: NodeJS.ProcessEnv = {}): Parameters<typeof main>[1] => ({
  env,
  stdout: (line) => out.push(line),
  stderr: (text) => err.push(text),
  now: () => new Date('2026-01-01T00:00:00Z'),
});

const log = (): string[] => ['--termination-log', join(dir, 'termination-log')];
const terminated = async (): Promise<ReturnType<typeof parseTerminationMessage>> =>
  parseTerminationMessage(await readFile(join(dir, 'termination-log'), 'utf8'));

describe('checker --help', () => {
  it('lists every service and check type and exits 0', async () => {
    expect(await main(['--help'], io())).toBe(0);

    const help = out.join('\n');
    for (const name of [...SERVICE_NAMES, ...CHECK_TYPES]) expect(help).toContain(name);
  });

  it('prints help to stderr and exits 2 without a command', async () => {
    expect(await main([], io())).toBe(2);
    expect(err.join('')).toContain('Usage: checker run');
  });
});

describe('refused command lines', () => {
  it.each([
    [['run', '--service', 'ec3', '--type', 'health_check', '--region', 'us-east-1'], /service/],
    [['run', '--service', 'ec2', '--type', 'health_check'], /at least one --region/],
    [
      ['run', '--service', 'ec2', '--type', 'health_check', '--region', 'Mars'],
      /region looks like/,
    ],
    [
      [
        'run',
        '--service',
        'ec2',
        '--type',
        'resource_list',
        '--region',
        'us-east-1',
        '--tag',
        'novalue',
      ],
      /key=value/,
    ],
    [
      [
        'run',
        '--service',
        'ec2',
        '--type',
        'resource_list',
        '--region',
        'us-east-1',
        '--expect-min',
        '5',
        '--expect-max',
        '2',
      ],
      /--expect-min must not exceed --expect-max/,
    ],
    [['validate', '--role-arn', 'arn:aws:iam::123456789012:role/R'], /go together/],
    // Platform identity: only the projected token for the platform role, never ambient.
    [['validate', '--default-chain'], /Unknown option '--default-chain'/],
    [['validate', '--web-identity-token-file', '/t'], /--platform-role-arn go together/],
    [
      ['validate', '--platform-role-arn', 'arn:aws:iam::123456789012:role/Platform'],
      /--platform-role-arn go together/,
    ],
    [
      [
        'validate',
        '--credentials-dir',
        '/c',
        '--web-identity-token-file',
        '/t',
        '--platform-role-arn',
        'arn:aws:iam::123456789012:role/Platform',
      ],
      /not both/,
    ],
    [['validate', '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command frobnicate/],
  ])('%j → InvalidConfiguration, exit 2', async (argv, message) => {
    expect(await main([...argv, ...log()], io())).toBe(2);

    const result = await terminated();
    expect(result).toMatchObject({
      kind: 'usage',
      outcome: 'Failed',
      reason: 'InvalidConfiguration',
    });
    expect(result.message).toMatch(message);
  });

  it('fails without credentials, naming every allowed source', async () => {
    const argv = ['run', '--service', 'sts', '--type', 'health_check', '--region', 'us-east-1'];

    expect(await main([...argv, ...log()], io({}))).toBe(2);

    const result = await terminated();
    expect(result).toMatchObject({ kind: 'run', service: 'sts', error: { code: 'NoCredentials' } });
    expect(result.message).toMatch(
      /--credentials-dir.*--web-identity-token-file with --platform-role-arn.*AWS_ACCESS_KEY_ID/,
    );
  });

  it('fails on a credential directory without the secret key file', async () => {
    await writeFile(join(dir, 'AWS_ACCESS_KEY_ID'), 'AKIAEXAMPLE\n');

    expect(await main(['validate', '--credentials-dir', dir, ...log()], io())).toBe(2);
    expect((await terminated()).error).toMatchObject({ code: 'CredentialFileUnreadable' });
  });
});

describe('parseCommandLine', () => {
  it('types a full run command line with defaults', () => {
    const parsed = parseCommandLine([
      'run',
      '--service=ec2',
      '--type=resource_list',
      '--region=us-east-1',
      '--region=eu-west-1',
      '--tag=env=prod',
      '--tag=note=a=b',
      '--expect-min=1',
      '--role-arn=arn:aws:iam::123456789012:role/ReadOnly',
      '--external-id=ns-uid-1234',
    ]);

    expect(parsed).toEqual({
      command: 'run',
      args: {
        service: 'ec2',
        type: 'resource_list',
        region: ['us-east-1', 'eu-west-1'],
        tag: [
          ['env', 'prod'],
          ['note', 'a=b'],
        ],
        'expect-min': 1,
        'role-arn': 'arn:aws:iam::123456789012:role/ReadOnly',
        'external-id': 'ns-uid-1234',
        'role-session-name': 'awscheck',
        'role-duration-seconds': 900,
        'sts-region': 'us-east-1',
        'max-attempts': 3,
        'max-in-flight': 16,
        timeout: 300,
        concurrency: 4,
      },
    });
  });

  it('writes no termination message unless --termination-log is given', () => {
    const parsed = parseCommandLine(['validate']);

    expect(parsed.command === 'validate' && parsed.args['termination-log']).toBeUndefined();
    expect(terminationLogOf(['validate', '--bogus'])).toBeUndefined();
    expect(terminationLogOf(['validate', '--termination-log=/tmp/t'])).toBe('/tmp/t');
  });
});

describe('checker without --termination-log (a shell user)', () => {
  it('reports on stdout and stderr and exits with the outcome, touching no file', async () => {
    const argv = ['run', '--service', 'sts', '--type', 'health_check', '--region', 'us-east-1'];

    expect(await main(argv, io({}))).toBe(2);

    const result = JSON.parse(out.at(-1) ?? '{}') as Record<string, unknown>;
    expect(result).toMatchObject({ event: 'result', error: { code: 'NoCredentials' } });
    expect(err.join('')).not.toMatch(/termination/);
  });
});

describe('fromFiles', () => {
  it('reads the mounted Secret keys, trimmed, with an optional session token', async () => {
    const secret = join(dir, 'secret');
    await mkdir(secret);
    await writeFile(join(secret, 'AWS_ACCESS_KEY_ID'), 'AKIA1\n');
    await writeFile(join(secret, 'AWS_SECRET_ACCESS_KEY'), 'secret1\n');

    expect(await fromFiles(secret)).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 'secret1' });

    await writeFile(join(secret, 'AWS_SESSION_TOKEN'), 'token1');
    expect(await fromFiles(secret)).toEqual({
      accessKeyId: 'AKIA1',
      secretAccessKey: 'secret1',
      sessionToken: 'token1',
    });
  });

  it('refuses an empty key file', async () => {
    await writeFile(join(dir, 'AWS_ACCESS_KEY_ID'), '\n');
    await writeFile(join(dir, 'AWS_SECRET_ACCESS_KEY'), 's');

    await expect(fromFiles(dir)).rejects.toMatchObject({ detail: { code: 'CredentialFileEmpty' } });
  });
});
