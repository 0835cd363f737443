// The command line, validated once at the boundary: node:util parseArgs splits it, zod
// checks and types it, and every refusal says what is allowed.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { invalidConfiguration } from './errors.ts';
import { DEFAULT_MAX_IN_FLIGHT, MAX_IN_FLIGHT_RANGE } from './limits.ts';
import { regionPartition, regionProblem } from './regions.ts';
import { REGION_PATTERN } from './result-limits.ts';
import { CHECK_TYPES, SERVICE_NAMES } from './service-names.ts';

/** COMMANDS are the checker's subcommands. */
export const COMMANDS = ['run', 'validate'] as const;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  service: { type: 'string' },
  type: { type: 'string' },
  region: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  'expect-min': { type: 'string' },
  'expect-max': { type: 'string' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  'max-attempts': { type: 'string' },
  'max-in-flight': { type: 'string' },
  'termination-log': { type: 'string' },
  'credentials-dir': { type: 'string' },
  'web-identity-token-file': { type: 'string' },
  'platform-role-arn': { type: 'string' },
  'role-arn': { type: 'string' },
  'external-id': { type: 'string' },
  'role-session-name': { type: 'string' },
  'role-duration-seconds': { type: 'string' },
  'sts-region': { type: 'string' },
} as const;

const integer = (min: number, max: number): z.ZodCoercedNumber =>
  z.coerce.number().int().min(min).max(max);

// A region has the shape of a region name and is listed by an AWS partition (regions.ts).
const region = z
  .string()
  .regex(REGION_PATTERN, 'a region looks like us-east-1 or eu-central-2')
  .superRefine((value, context) => {
    const problem = REGION_PATTERN.test(value) ? regionProblem(value, value) : undefined;
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

const tag = z
  .string()
  .regex(/^[^=]{1,128}=.{0,256}$/s, 'a tag is key=value (key 1-128, value 0-256 characters)')
  .transform((text) => {
    const at = text.indexOf('=');
    return [text.slice(0, at), text.slice(at + 1)] as const;
  });

const roleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'a role ARN: arn:aws:iam::<account>:role/<name>',
  );

const credentialShape = {
  'credentials-dir': z.string().min(1).optional(),
  'web-identity-token-file': z.string().min(1).optional(),
  'platform-role-arn': roleArn.optional(),
  'role-arn': roleArn.optional(),
  'external-id': z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, 'ExternalId: 2-1224 of [\\w+=,.@:/-]')
    .optional(),
  'role-session-name': z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/)
    .default('awscheck'),
  'role-duration-seconds': integer(900, 43_200).default(900),
  'sts-region': region.default('us-east-1'),
  'max-attempts': integer(1, 10).default(3),
  'max-in-flight': integer(MAX_IN_FLIGHT_RANGE.min, MAX_IN_FLIGHT_RANGE.max).default(
    DEFAULT_MAX_IN_FLIGHT,
  ),
  timeout: integer(1, 86_400).default(300),
  // No default: a shell user has no /dev/termination-log; the operator's pod passes it.
  'termination-log': z.string().min(1).optional(),
};

const roleNeedsExternalId = (v: {
  'role-arn'?: string | undefined;
  'external-id'?: string | undefined;
}): boolean => (v['role-arn'] === undefined) === (v['external-id'] === undefined);
const roleRule = {
  message: '--role-arn and --external-id go together: the platform always sends its ExternalId',
};

interface SourceFlags {
  'credentials-dir'?: string | undefined;
  'web-identity-token-file'?: string | undefined;
  'platform-role-arn'?: string | undefined;
}
const platformPair = (v: SourceFlags): boolean =>
  (v['web-identity-token-file'] === undefined) === (v['platform-role-arn'] === undefined);
const platformRule = {
  message:
    '--web-identity-token-file and --platform-role-arn go together: the platform identity is that token for that role',
};
const oneSource = (v: SourceFlags): boolean =>
  v['credentials-dir'] === undefined || v['web-identity-token-file'] === undefined;
const sourceRule = {
  message:
    'give --credentials-dir or --web-identity-token-file, not both: a run starts from one identity',
};

/** ValidateArgsSchema checks `checker validate`. */
export const ValidateArgsSchema = z
  .strictObject(credentialShape)
  .refine(roleNeedsExternalId, roleRule)
  .refine(platformPair, platformRule)
  .refine(oneSource, sourceRule);

/** RunArgsSchema checks `checker run`. */
export const RunArgsSchema = z
  .strictObject({
    ...credentialShape,
    service: z.enum(SERVICE_NAMES),
    type: z.enum(CHECK_TYPES),
    region: z.array(region).min(1, 'give at least one --region').max(40).prefault([]),
    tag: z.array(tag).max(50).default([]),
    'expect-min': integer(0, 1_000_000_000).optional(),
    'expect-max': integer(0, 1_000_000_000).optional(),
    concurrency: integer(1, 32).default(4),
  })
  .refine(roleNeedsExternalId, roleRule)
  .refine(platformPair, platformRule)
  .refine(oneSource, sourceRule)
  .superRefine((v, context) => {
    // Unlisted regions are refused by `region` itself; here: one partition per run.
    for (const asked of new Set(v.region)) {
      if (regionPartition(asked) === undefined) continue;
      const problem = regionProblem(asked, v['sts-region']);
      if (problem !== undefined)
        context.addIssue({ code: 'custom', message: problem, path: ['region'] });
    }
  })
  .refine((v) => (v['expect-min'] ?? 0) <= (v['expect-max'] ?? Infinity), {
    message: '--expect-min must not exceed --expect-max',
  });

export type RunArgs = z.infer<typeof RunArgsSchema>;
export type ValidateArgs = z.infer<typeof ValidateArgsSchema>;

/** Parsed is what the command line asks for. */
export type Parsed =
  | { readonly command: 'help'; readonly requested: boolean }
  | { readonly command: 'run'; readonly args: RunArgs }
  | { readonly command: 'validate'; readonly args: ValidateArgs };

/**
 * terminationLogOf finds --termination-log even in a command line that fails validation;
 * undefined when none is given (then no termination message is written).
 */
export function terminationLogOf(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--termination-log');
  const inline = argv.find((a) => a.startsWith('--termination-log='));
  const value = inline?.slice('--termination-log='.length) ?? (at >= 0 ? argv[at + 1] : undefined);
  return value !== undefined && value !== '' ? value : undefined;
}

function split(argv: readonly string[]): { command: string | undefined; values: object } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1)
      throw new Error(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
    return { command: positionals[0], values };
  } catch (error) {
    throw invalidConfiguration('InvalidArguments', `${String(error)}; see checker --help`);
  }
}

function check<T>(schema: z.ZodType<T>, values: object, command: string): T {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  throw invalidConfiguration(
    'InvalidArguments',
    `checker ${command}: ${z.prettifyError(parsed.error)}\nsee checker --help`,
  );
}

/** parseCommandLine validates argv (without node and script) or throws InvalidConfiguration. */
export function parseCommandLine(argv: readonly string[]): Parsed {
  const { command, values } = split(argv);
  const { help, ...rest } = values as { help?: boolean };
  if (help === true || command === undefined) return { command: 'help', requested: help === true };
  if (command === 'run') return { command, args: check(RunArgsSchema, rest, command) };
  if (command === 'validate') return { command, args: check(ValidateArgsSchema, rest, command) };
  throw invalidConfiguration(
    'UnknownCommand',
    `unknown command ${command}; commands are ${COMMANDS.join(', ')} (see checker --help)`,
  );
}
