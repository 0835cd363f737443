// fast-check arbitraries for specs that are valid or one step outside what is valid, so a
// property test can hold the zod schema and the apiserver to the same verdicts.
import fc from 'fast-check';
import { SERVICE_NAMES } from '../../checker/service-names.ts';
import { CHECK_TYPES, FIRST_RUN_POLICIES } from '../v1alpha1/awscheck.ts';

/** mostly is `valid`, and `invalid` once in `odds` draws. */
function mostly<T>(
  valid: fc.Arbitrary<T>,
  invalid: fc.Arbitrary<unknown>,
  odds = 10,
): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: odds - 1, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}

/**
 * optional is `value` with probability `present`, else absent (undefined, dropped when
 * serialized) or null (which the apiserver prunes).
 */
function optional(value: fc.Arbitrary<unknown>, present = 2 / 3): fc.Arbitrary<unknown> {
  const weight = Math.round(present * 30);
  return fc.oneof(
    { weight, arbitrary: value },
    { weight: 30 - weight, arbitrary: fc.constantFrom(undefined, undefined, null) },
  );
}

/** nearLength is `unit` repeated to one less, exactly, or one more than `limit` characters. */
function nearLength(limit: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: limit - 1, max: limit + 1 }), fc.constantFrom('a', 'é', '😀'))
    .map(([length, unit]) => unit.repeat(length));
}

const name = mostly(
  fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/),
  fc.oneof(
    fc.constantFrom('Prod', '-x', 'x-', 'a_b', '', 'a'.repeat(254)),
    fc.string({ maxLength: 6 }),
  ),
  15,
);

const reference = mostly(fc.record({ name }), fc.constantFrom({}, 'prod', { name: 7 }));

const region = mostly(
  fc.constantFrom(
    'us-east-1',
    'eu-west-1',
    'ap-southeast-2',
    'us-gov-west-1',
    'cn-north-1',
    'eusc-de-east-1',
  ),
  fc.oneof(
    fc.constantFrom(
      'US-EAST-1',
      'us-east',
      'us-east-100',
      'useast1',
      'abcde-east-1',
      '',
      `us-${'a'.repeat(30)}-1`,
    ),
    fc.string({ maxLength: 10 }),
  ),
);

const regions = fc.oneof(
  { weight: 12, arbitrary: fc.uniqueArray(region, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(region, { maxLength: 4 }) },
  {
    weight: 1,
    arbitrary: fc.uniqueArray(
      fc.integer({ min: 0, max: 99 }).map((n) => `us-east-${n}`),
      { minLength: 31, maxLength: 34 },
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('us-east-1', [null]) },
);

/** CRON_FIELDS are each cron field's bounds and names; generated values stray one past them. */
const CRON_FIELDS: readonly { lo: number; hi: number; names: readonly string[] }[] = [
  { lo: 0, hi: 59, names: [] },
  { lo: 0, hi: 23, names: [] },
  { lo: 1, hi: 31, names: [] },
  { lo: 1, hi: 12, names: ['JAN', 'JUN', 'DEC', 'jan'] },
  { lo: 0, hi: 6, names: ['MON', 'FRI', 'SUN', 'mon'] },
];

const step = fc.integer({ min: 0, max: 100 }).map((n) => `/${n}`);

function nearCronField(bounds: (typeof CRON_FIELDS)[number]): fc.Arbitrary<string> {
  const number = fc.integer({ min: bounds.lo - 1, max: bounds.hi + 1 }).map(String);
  const value =
    bounds.names.length > 0 ? fc.oneof(number, fc.constantFrom(...bounds.names)) : number;
  const item = fc.oneof(
    value,
    fc.tuple(value, value, fc.option(step, { nil: '' })).map(([a, b, s]) => `${a}-${b}${s}`),
  );
  const wildcard = fc.tuple(fc.constantFrom('*', '?'), fc.option(step, { nil: '' }));
  return fc.oneof(
    { weight: 3, arbitrary: wildcard.map(([w, s]) => `${w}${s}`) },
    {
      weight: 3,
      arbitrary: fc.array(item, { minLength: 1, maxLength: 3 }).map((i) => i.join(',')),
    },
    { weight: 1, arbitrary: fc.tuple(wildcard, item).map(([[w], i]) => `${w},${i}`) },
  );
}

/** nearCron is five cron fields of plausible items, often one step outside the valid set. */
export const nearCron: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: fc.tuple(...CRON_FIELDS.map(nearCronField)).map((f) => f.join(' ')) },
  {
    weight: 1,
    arbitrary: fc.tuple(...CRON_FIELDS.slice(0, 4).map(nearCronField)).map((f) => f.join(' ')),
  },
);

const schedule = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '@hourly',
      '@daily',
      '@weekly',
      '@monthly',
      '*/5 * * * *',
      '30 6 * * MON-FRI',
    ),
  },
  { weight: 3, arbitrary: nearCron },
  { weight: 1, arbitrary: fc.constantFrom('@yearly', '@every 1h', '@DAILY') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 45, max: 52 }).map((n) => `0 0 * * ${'1,'.repeat(n)}1`),
  },
);

const timeZone = mostly(
  fc.constantFrom('UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'EST5EDT'),
  fc.constantFrom('Europe Berlin', '/UTC', 'UTC/', '', 'A/B/C/D', 'a'.repeat(65)),
);

const flag = mostly(fc.boolean(), fc.constantFrom('true', 0));

const timeoutSeconds = mostly(
  fc.integer({ min: 10, max: 3600 }),
  fc.oneof(
    fc.integer({ min: -5, max: 9 }),
    fc.integer({ min: 3601, max: 5000 }),
    fc.constantFrom(30.5, '300'),
  ),
);

const tagKey = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: nearLength(128) },
);
const tagValue = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 1, arbitrary: nearLength(256) },
  { weight: 1, arbitrary: fc.constant(5) },
);
const tags = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(tagKey, tagValue, { maxKeys: 3, noNullPrototype: true }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.constant('v'), {
      minKeys: 19,
      maxKeys: 22,
      noNullPrototype: true,
    }),
  },
);

const bound = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 1_000_000, 1_000_001, 2.5) },
);
const expectation = mostly(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ min: bound, max: bound }) },
    { weight: 1, arbitrary: fc.record({ min: bound, max: bound }, { requiredKeys: [] }) },
  ),
  fc.constantFrom('x', 5),
);

const CHECK_FIELDS = {
  credentialRef: reference,
  service: mostly(fc.constantFrom(...SERVICE_NAMES), fc.constantFrom('ec3', 'EC2', 7)),
  type: mostly(fc.constantFrom(...CHECK_TYPES), fc.constantFrom('health_check', 'healthCheck', '')),
  regions,
  schedule,
  timeZone,
  suspend: flag,
  firstRun: mostly(fc.constantFrom(...FIRST_RUN_POLICIES), fc.constantFrom('immediately', true)),
  timeoutSeconds,
  tags,
  expect: expectation,
};

/** expectChange probes the rule that ties expect to the check type. */
const expectChange = fc.record({
  type: fc.constantFrom('ResourceList', 'ResourceList', 'HealthCheck'),
  expect: expectation,
});

/** validCheckSpec is always valid: required fields only, so one changed field decides. */
const validCheckSpec = fc.record({
  credentialRef: fc.constant({ name: 'prod-readonly' }),
  service: fc.constantFrom(...SERVICE_NAMES),
  type: fc.constantFrom(...CHECK_TYPES),
});

/**
 * oneFieldChanged is a valid spec with one field set to a value near its boundary, so each
 * object probes one rule; a null or absent value tests pruning and defaults.
 */
function oneFieldChanged(
  base: fc.Arbitrary<Record<string, unknown>>,
  fields: Readonly<Record<string, fc.Arbitrary<unknown>>>,
): fc.Arbitrary<unknown> {
  const change = fc.oneof(
    ...Object.entries(fields).map(([key, value]) =>
      optional(value, 5 / 6).map((v) => ({ [key]: v })),
    ),
  );
  return fc.tuple(base, change).map(([spec, changed]) => ({ ...spec, ...changed }));
}

/** checkSpec is an AwsCheck spec: mostly one field changed, sometimes every field drawn. */
export const checkSpec: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: oneFieldChanged(validCheckSpec, CHECK_FIELDS) },
  {
    weight: 1,
    arbitrary: fc.tuple(validCheckSpec, expectChange).map(([b, c]) => ({ ...b, ...c })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      credentialRef: optional(reference, 29 / 30),
      service: optional(CHECK_FIELDS.service, 29 / 30),
      type: optional(CHECK_FIELDS.type, 29 / 30),
      regions: optional(regions),
      schedule: optional(schedule),
      timeZone: optional(timeZone, 1 / 3),
      suspend: optional(flag, 1 / 3),
      firstRun: optional(CHECK_FIELDS.firstRun, 1 / 3),
      timeoutSeconds: optional(timeoutSeconds, 1 / 2),
      tags: optional(tags, 1 / 3),
      expect: optional(expectation, 1 / 3),
    }),
  },
);

const ROLE_ARNS = [
  'arn:aws:iam::123456789012:role/AwsCheckReadOnly',
  'arn:aws-cn:iam::123456789012:role/path/to/Role',
  'arn:aws-us-gov:iam::123456789012:role/R+=,.@_-',
];
const BAD_ROLE_ARNS = [
  'arn:aws:iam::123456789012:user/ReadOnly',
  'arn:aws:iam::12345678901:role/R',
  'arn:aws:iam::123456789012:role/',
  'arn:aws:sts::123456789012:role/R',
  'AwsCheckReadOnly',
];

const assumeRole = mostly(
  fc.record(
    {
      roleArn: mostly(fc.constantFrom(...ROLE_ARNS), fc.constantFrom(...BAD_ROLE_ARNS)),
      sessionName: optional(
        mostly(
          fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{2,64}$/),
          fc.constantFrom('a', 'with space', 'x'.repeat(65)),
        ),
      ),
      durationSeconds: optional(
        mostly(
          fc.integer({ min: 900, max: 43200 }),
          fc.oneof(fc.integer({ min: 0, max: 899 }), fc.integer({ min: 43201, max: 50000 })),
        ),
      ),
    },
    { requiredKeys: ['sessionName', 'durationSeconds'] },
  ),
  fc.constantFrom('role', {}),
);

/** credentialSpec is an AwsCredentialRef spec: mostly one field changed, sometimes all drawn. */
export const credentialSpec: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: oneFieldChanged(fc.constant({ secretRef: { name: 'aws-keys' } }), {
      region,
      secretRef: reference,
      assumeRole,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      region: optional(region),
      secretRef: optional(reference, 1 / 2),
      assumeRole: optional(assumeRole, 1 / 2),
    }),
  },
);

/** serialized is a value as it travels to the apiserver: undefined fields gone. */
export function serialized(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
