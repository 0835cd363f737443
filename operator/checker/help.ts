// The text of `checker --help`, built from the same lists the checker runs on.
import { EXIT_CODES } from './errors.ts';
import { loadAllServices } from './registry.ts';
import { CHECK_TYPES, SERVICE_NAMES } from './service-names.ts';

/** helpText lists the commands, every service with its scope, the check types and exit codes. */
export async function helpText(): Promise<string> {
  const modules = await loadAllServices();
  const services = SERVICE_NAMES.map((name) => {
    const module = modules[name];
    const notes = [module.scope === 'global' ? 'global' : '', module.taggable ? '' : 'no tags'];
    const note = notes.filter(Boolean).join(', ');
    return `  ${name}${note ? ` (${note})` : ''}`;
  });
  const codes = Object.entries(EXIT_CODES).map(([name, code]) => `  ${code}  ${name}`);
  return [
    'Usage: checker run --service <service> --type <type> --region <region> [--region …] [options]',
    '       checker validate [credential options]',
    '',
    'Services:',
    ...services,
    '',
    `Types: ${CHECK_TYPES.join(', ')}`,
    '',
    'run options:',
    '  --service NAME             one of the services above',
    '  --type TYPE                health_check (judge each resource) or resource_list (count them)',
    '  --region REGION            repeatable; regions are scanned concurrently',
    '  --tag KEY=VALUE            repeatable; only resources carrying every tag',
    '  --expect-min N, --expect-max N   fail with CountOutOfRange outside these bounds',
    '  --concurrency N            regions scanned at once (default 4, 1-32)',
    '',
    'Common options:',
    '  --timeout SECONDS          the run fails with DeadlineExceeded after this (default 300)',
    '  --max-attempts N           SDK attempts per call, adaptive retry mode: one client-side',
    '                             rate limiter for the whole run slows every call down after a',
    '                             throttling answer (default 3)',
    '  --max-in-flight N          AWS calls on the wire at once, over all regions and services',
    '                             (default 16, 1-64)',
    '  --termination-log PATH     also write the compact result to this file (none by default;',
    '                             a Pod passes /dev/termination-log)',
    '',
    'Credentials (first that applies):',
    '  --credentials-dir DIR      mounted Secret: files AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY',
    '                             and optionally AWS_SESSION_TOKEN',
    '  --web-identity-token-file FILE --platform-role-arn ARN',
    '                             the platform identity: STS AssumeRoleWithWebIdentity with the',
    '                             projected token for that role (never any other ambient identity)',
    '  (environment)              AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN',
    '  --role-arn ARN --external-id ID   then AssumeRole with the platform ExternalId',
    '  --role-session-name NAME, --role-duration-seconds N (900-43200), --sts-region REGION',
    '  sessions are renewed before they expire, however long the run',
    '',
    'Endpoints follow AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>.',
    'Output: one JSON line per resource and a final result line on stdout; the compact',
    'result (at most 4096 bytes) in the --termination-log file when one is given.',
    '',
    'Exit codes:',
    ...codes,
    '  1  the checker crashed (a bug; see stderr)',
    '',
  ].join('\n');
}
