// The plugin's command line, validated once: node:util parseArgs splits it, zod checks it,
// and every refusal says what is allowed. The connection flags are kubectl's own, so
// `kubectl awscheck -n team-a status` reads as any kubectl command does.
import { parseArgs } from 'node:util';
import { z } from 'zod';

/** UsageError is a command line the plugin refuses; main prints it with the usage (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Connection is where to talk to: kubectl's kubeconfig, context and namespace flags. */
export interface Connection {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  readonly namespace: string | undefined;
  readonly allNamespaces: boolean;
}

/** Command is what the command line asks for. */
export type Command =
  | { readonly command: 'help' }
  | {
      readonly command: 'run';
      readonly name: string;
      readonly wait: boolean;
      readonly timeoutMs: number;
    }
  | { readonly command: 'status'; readonly name: string | undefined }
  | { readonly command: 'logs'; readonly name: string; readonly result: boolean };

/** Parsed is the command and its connection. */
export interface Parsed {
  readonly connection: Connection;
  readonly command: Command;
}

/** DEFAULT_TIMEOUT_MS bounds `run --wait` unless --timeout says otherwise. */
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  namespace: { type: 'string', short: 'n' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  result: { type: 'boolean' },
} as const;

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000 };

/**
 * parseDuration reads a duration as kubectl's --timeout does (Go form: 90s, 5m, 1h30m) or
 * plain seconds; it must be positive.
 */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return positive(Number(text) * 1000, text);
  if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(text) || text === '') {
    throw new UsageError(
      `--timeout "${text}" is not a duration: use seconds or a form like 90s, 5m, 1h30m`,
    );
  }
  const parts = text.match(/\d+[hms]/g) ?? [];
  const ms = parts.reduce(
    (sum, part) => sum + Number(part.slice(0, -1)) * (DURATION_UNITS_MS[part.slice(-1)] ?? 0),
    0,
  );
  return positive(ms, text);
}

function positive(ms: number, text: string): number {
  if (ms <= 0) throw new UsageError(`--timeout "${text}" must be longer than 0s`);
  return ms;
}

// A name as the apiserver accepts it (RFC 1123 subdomain), so a typo fails here, clearly.
const ObjectName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'must be a Kubernetes object name (lower case letters, digits, - and .)',
  );

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

/** parseCommandLine reads argv (without node and the script) into a command. */
export function parseCommandLine(argv: readonly string[]): Parsed {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const connection: Connection = {
    kubeconfig: values.kubeconfig,
    context: values.context,
    namespace: values.namespace,
    allNamespaces: values['all-namespaces'] === true,
  };
  if (values.help === true || positionals.length === 0)
    return { connection, command: { command: 'help' } };
  const command = commandOf(positionals, values);
  if (connection.allNamespaces && command.command !== 'status') {
    throw new UsageError(
      `-A applies to status only: ${command.command} acts on one AwsCheck in one namespace`,
    );
  }
  if (connection.allNamespaces && command.command === 'status' && command.name !== undefined) {
    // As kubectl: a name is looked up in one namespace, -n (or the context's).
    throw new UsageError(
      'a resource cannot be retrieved by name across all namespaces: drop -A, or NAME and give -n',
    );
  }
  return { connection, command };
}

function commandOf(positionals: readonly string[], values: Values): Command {
  const [verb, ...rest] = positionals;
  refuseFlags(verb, values);
  switch (verb) {
    case 'run':
      return {
        command: 'run',
        name: oneName(verb, rest),
        wait: values.wait === true,
        timeoutMs:
          values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(values.timeout),
      };
    case 'status':
      return { command: 'status', name: rest.length === 0 ? undefined : oneName(verb, rest) };
    case 'logs':
      return { command: 'logs', name: oneName(verb, rest), result: values.result === true };
    default:
      throw new UsageError(`unknown command "${verb ?? ''}": use run, status or logs`);
  }
}

// FLAGS_OF: the flags each command takes beyond the connection flags.
const FLAGS_OF: Readonly<Record<string, readonly (keyof Values)[]>> = {
  run: ['wait', 'timeout'],
  status: [],
  logs: ['result'],
};

function refuseFlags(verb: string | undefined, values: Values): void {
  const allowed = FLAGS_OF[verb ?? ''] ?? [];
  for (const flag of ['wait', 'timeout', 'result'] as const) {
    if (values[flag] !== undefined && !allowed.includes(flag)) {
      throw new UsageError(`--${flag} applies to ${flag === 'result' ? 'logs' : 'run'} only`);
    }
  }
  if (values.timeout !== undefined && values.wait !== true) {
    throw new UsageError('--timeout bounds --wait: give --wait too');
  }
}

function oneName(verb: string, rest: readonly string[]): string {
  if (rest.length !== 1)
    throw new UsageError(`${verb} takes one AwsCheck name, got ${String(rest.length)}`);
  const name = ObjectName.safeParse(rest[0]);
  if (!name.success)
    throw new UsageError(`"${rest[0] ?? ''}" ${name.error.issues[0]?.message ?? 'is not a name'}`);
  return name.data;
}
