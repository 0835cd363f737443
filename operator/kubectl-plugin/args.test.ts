import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS, parseCommandLine, parseDuration, UsageError } from './args.ts';

describe('parseCommandLine', () => {
  it('reads kubectl connection flags before or after the command', () => {
    const parsed = parseCommandLine([
      '-n',
      'team-a',
      'run',
      'web',
      '--context',
      'prod',
      '--kubeconfig=/tmp/kc',
      '--wait',
    ]);

    expect(parsed).toEqual({
      connection: {
        kubeconfig: '/tmp/kc',
        context: 'prod',
        namespace: 'team-a',
        allNamespaces: false,
      },
      command: { command: 'run', name: 'web', wait: true, timeoutMs: DEFAULT_TIMEOUT_MS },
    });
  });

  it.each([
    [['status'], { command: 'status', name: undefined }],
    [['status', 'web'], { command: 'status', name: 'web' }],
    [['-A', 'status'], { command: 'status', name: undefined }],
    [['logs', 'web'], { command: 'logs', name: 'web', result: false }],
    [['logs', 'web', '--result'], { command: 'logs', name: 'web', result: true }],
    [['run', 'web'], { command: 'run', name: 'web', wait: false, timeoutMs: DEFAULT_TIMEOUT_MS }],
    [
      ['run', 'web', '--wait', '--timeout', '90s'],
      { command: 'run', name: 'web', wait: true, timeoutMs: 90_000 },
    ],
    [[], { command: 'help' }],
    [['--help'], { command: 'help' }],
    [['run', 'web', '-h'], { command: 'help' }],
  ])('%j → %j', (argv, command) => {
    expect(parseCommandLine(argv).command).toEqual(command);
  });

  it('-A lists every namespace', () => {
    expect(parseCommandLine(['status', '--all-namespaces']).connection.allNamespaces).toBe(true);
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate": use run, status or logs'],
    [['run'], 'run takes one AwsCheck name, got 0'],
    [['logs', 'a', 'b'], 'logs takes one AwsCheck name, got 2'],
    [['run', 'Web_1'], '"Web_1" must be a Kubernetes object name'],
    [['status', '--wait'], '--wait applies to run only'],
    [['run', 'web', '--result'], '--result applies to logs only'],
    [['run', 'web', '--timeout', '5m'], '--timeout bounds --wait: give --wait too'],
    [['run', 'web', '--wait', '--timeout', 'soon'], '--timeout "soon" is not a duration'],
    [['-A', 'run', 'web'], '-A applies to status only'],
    [['status', 'web', '-A'], 'a resource cannot be retrieved by name across all namespaces'],
    [['status', '--bogus'], "Unknown option '--bogus'"],
    [['status', '-n'], "Option '-n, --namespace <value>' argument missing"],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30', 30_000],
    ['45s', 45_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2m5s', 125_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '0', '0s', '5x', '1.5m', 'm', '-1'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });
});
