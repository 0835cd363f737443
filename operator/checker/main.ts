// The checker's commands, wired: parse the command line, run, report. `main` takes its
// environment, output streams and clock as arguments so tests drive it in-process.
import { parseCommandLine, terminationLogOf, type RunArgs, type ValidateArgs } from './args.ts';
import { credentialOptions, resolveSettings } from './credentials.ts';
import { CheckerError, EXIT_CODES, classify } from './errors.ts';
import { helpText } from './help.ts';
import { loadService } from './registry.ts';
import { RESULT_VERSION } from './result-limits.ts';
import type { CheckerResult, RunResult, UsageResult, ValidateResult } from './result.ts';
import { globalRegionFor } from './regions.ts';
import { describeError, runCheck, type CredentialsCheck } from './run.ts';
import type { ClientSettings } from './service.ts';
import { writeTerminationMessage } from './termination.ts';

/** CREDENTIALS_CHECK_TIMEOUT_MS bounds the STS call that tells a refused region from bad keys. */
const CREDENTIALS_CHECK_TIMEOUT_MS = 30_000;

/** MainIO is everything the checker takes from its process. */
export interface MainIO {
  readonly env: NodeJS.ProcessEnv;
  /** Writes one line (no newline) of JSON detail to stdout. */
  readonly stdout: (line: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => Date;
}

interface Stamp {
  readonly startTime: string;
  readonly durationMs: number;
}

function stamp(io: MainIO, started: Date): Stamp {
  return { startTime: started.toISOString(), durationMs: io.now().getTime() - started.getTime() };
}

function failure(
  error: CheckerError,
): Pick<UsageResult, 'outcome' | 'reason' | 'message' | 'error'> {
  return {
    outcome: 'Failed',
    reason: error.detail.category,
    message: describeError(error),
    error: error.detail,
  };
}

function deadlineError(seconds: number): CheckerError {
  return new CheckerError({
    category: 'DeadlineExceeded',
    code: 'RunDeadlineExceeded',
    message: `credentials were not resolved within the timeout of ${seconds} s`,
  });
}

// settle runs a step under an abort signal and classifies its failure; after the signal
// fired, any failure is the deadline's.
async function settle<T>(
  seconds: number,
  step: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T } | { error: CheckerError }> {
  const signal = AbortSignal.timeout(seconds * 1000);
  try {
    return { value: await step(signal) };
  } catch (error) {
    return { error: signal.aborted ? deadlineError(seconds) : classify(error) };
  }
}

// credentialsCheck asks STS in the credentials' own region whether it accepts them; only
// called when another region refused them (run.ts reconsider).
function credentialsCheck(settings: ClientSettings, region: string): CredentialsCheck {
  const authenticated = async (): Promise<boolean> => {
    const { callerIdentity } = await import('./validate.ts');
    const signal = AbortSignal.timeout(CREDENTIALS_CHECK_TIMEOUT_MS);
    return callerIdentity(settings, { region, signal }).then(
      () => true,
      () => false,
    );
  };
  return { region, authenticated };
}

async function commandRun(args: RunArgs, io: MainIO, started: Date): Promise<RunResult> {
  const options = credentialOptions(args);
  const settings = await settle(args.timeout, (signal) =>
    resolveSettings(options, io.env, { region: args['sts-region'], signal, now: io.now }),
  );
  if ('error' in settings) {
    const empty = { resources: 0, unhealthy: 0, regions: {}, findings: [] };
    const base = {
      kind: 'run' as const,
      v: RESULT_VERSION,
      service: args.service,
      type: args.type,
    };
    return {
      ...base,
      ...empty,
      ...failure(settings.error),
      ...stamp(io, started),
      truncated: false,
    };
  }
  const spent = io.now().getTime() - started.getTime();
  const request = {
    service: args.service,
    type: args.type,
    regions: [...new Set(args.region)],
    tags: Object.fromEntries(args.tag),
    expect: {
      ...(args['expect-min'] !== undefined && { min: args['expect-min'] }),
      ...(args['expect-max'] !== undefined && { max: args['expect-max'] }),
    },
    timeoutMs: Math.max(1, args.timeout * 1000 - spent),
    concurrency: args.concurrency,
    globalRegion: globalRegionFor(args['sts-region']),
  };
  const emit = (line: Readonly<Record<string, unknown>>): void => {
    io.stdout(JSON.stringify(line));
  };
  const dependencies = {
    module: await loadService(args.service),
    settings: settings.value,
    emit,
    now: io.now,
    credentialsCheck: credentialsCheck(settings.value, args['sts-region']),
  };
  const result = await runCheck(request, dependencies);
  return { ...result, ...stamp(io, started) };
}

async function commandValidate(
  args: ValidateArgs,
  io: MainIO,
  started: Date,
): Promise<ValidateResult> {
  const options = credentialOptions(args);
  // Imported here: only validate needs it, and a run should not pay for loading it.
  const { validateCredentials } = await import('./validate.ts');
  const validated = await settle(args.timeout, (signal) =>
    validateCredentials(options, io.env, { region: args['sts-region'], signal, now: io.now }),
  );
  const base = { kind: 'validate' as const, v: RESULT_VERSION, truncated: false };
  if ('error' in validated) return { ...base, ...failure(validated.error), ...stamp(io, started) };
  const { identity, assumedRoleArn } = validated.value;
  const as = assumedRoleArn ? ` assuming ${assumedRoleArn}` : '';
  return {
    ...base,
    outcome: 'Succeeded',
    message: `credentials valid for account ${identity.accountId} as ${identity.arn}${as}`,
    identity,
    ...(assumedRoleArn !== undefined && { assumedRoleArn }),
    ...stamp(io, started),
  };
}

function exitCode(result: CheckerResult): number {
  return result.reason === undefined ? EXIT_CODES.Succeeded : EXIT_CODES[result.reason];
}

async function report(
  result: CheckerResult,
  terminationLog: string | undefined,
  io: MainIO,
): Promise<number> {
  io.stdout(JSON.stringify({ event: 'result', ...result }));
  if (result.outcome === 'Failed') io.stderr(`${result.message}\n`);
  if (terminationLog === undefined) return exitCode(result);
  try {
    await writeTerminationMessage(terminationLog, result);
  } catch (error) {
    const checkerError = classify(error);
    io.stderr(`${checkerError.message}\n`);
    return EXIT_CODES[checkerError.detail.category];
  }
  return exitCode(result);
}

/** main runs one checker command line and resolves with the process exit code. */
export async function main(argv: readonly string[], io: MainIO): Promise<number> {
  const started = io.now();
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    const usage: UsageResult = {
      kind: 'usage',
      v: RESULT_VERSION,
      ...failure(classify(error)),
      ...stamp(io, started),
      truncated: false,
    };
    return report(usage, terminationLogOf(argv), io);
  }
  if (parsed.command === 'help') {
    (parsed.requested ? io.stdout : io.stderr)(await helpText());
    return parsed.requested ? EXIT_CODES.Succeeded : EXIT_CODES.InvalidConfiguration;
  }
  const result =
    parsed.command === 'run'
      ? await commandRun(parsed.args, io, started)
      : await commandValidate(parsed.args, io, started);
  return report(result, parsed.args['termination-log'], io);
}
