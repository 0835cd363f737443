// A corpus of invalid objects, each breaking exactly one rule, with the field the rejection
// must name. The unit tests run it through zod, the integration tests through the apiserver.
import { API_VERSION } from '../v1alpha1/common.ts';

/** KindName is one of the API's kinds. */
export type KindName = 'AwsCheck' | 'AwsCredentialRef';

/** InvalidCase is one object that breaks one rule, and the field path its rejection names. */
export interface InvalidCase {
  readonly why: string;
  readonly kind: KindName;
  /** Which part is broken: spec (judged on create) or status (judged on a status write). */
  readonly part: 'spec' | 'status';
  /** The offending field, as both zod and the apiserver write it (`spec.regions[1]`). */
  readonly field: string;
  readonly value: Readonly<Record<string, unknown>>;
}

/** VALID_CHECK_SPEC and VALID_CREDENTIAL_SPEC are what every case starts from. */
export const VALID_CHECK_SPEC = {
  credentialRef: { name: 'prod-readonly' },
  service: 'ec2',
  type: 'ResourceList',
} as const;
export const VALID_CREDENTIAL_SPEC = { secretRef: { name: 'aws-keys' } } as const;

const NOW = '2026-01-02T03:04:05Z';

/** VALID_CONDITION is a well-formed condition for status cases to break. */
export const VALID_CONDITION = {
  type: 'Ready',
  status: 'True',
  observedGeneration: 1,
  lastTransitionTime: NOW,
  reason: 'Scheduled',
  message: 'CronJob in place',
} as const;

const long = (length: number, unit = 'a'): string => unit.repeat(length);

function check(why: string, field: string, changes: Record<string, unknown>): InvalidCase {
  return { why, kind: 'AwsCheck', part: 'spec', field, value: { ...VALID_CHECK_SPEC, ...changes } };
}

function credential(why: string, field: string, spec: Record<string, unknown>): InvalidCase {
  return { why, kind: 'AwsCredentialRef', part: 'spec', field, value: spec };
}

function checkStatus(why: string, field: string, status: Record<string, unknown>): InvalidCase {
  return { why, kind: 'AwsCheck', part: 'status', field, value: status };
}

const role = (assumeRole: Record<string, unknown>): Record<string, unknown> => ({ assumeRole });
const ARN = 'arn:aws:iam::123456789012:role/ReadOnly';

const CHECK_SPEC_CASES: InvalidCase[] = [
  check('credentialRef missing', 'spec.credentialRef', { credentialRef: undefined }),
  check('credentialRef without a name', 'spec.credentialRef.name', { credentialRef: {} }),
  check('credentialRef name with capitals', 'spec.credentialRef.name', {
    credentialRef: { name: 'Prod' },
  }),
  check('credentialRef name too long', 'spec.credentialRef.name', {
    credentialRef: { name: long(254) },
  }),
  check('service missing', 'spec.service', { service: undefined }),
  check('service unknown', 'spec.service', { service: 'ec3' }),
  check('service not a string', 'spec.service', { service: 7 }),
  check('type missing', 'spec.type', { type: undefined }),
  check('type unknown', 'spec.type', { type: 'health' }),
  check('regions empty', 'spec.regions', { regions: [] }),
  check('regions not a list', 'spec.regions', { regions: 'us-east-1' }),
  check('region in capitals', 'spec.regions[0]', { regions: ['US-EAST-1'] }),
  check('region without a number', 'spec.regions[1]', { regions: ['us-east-1', 'us-east'] }),
  check('region too long', 'spec.regions[0]', { regions: [`us-${long(30)}-1`] }),
  check('region twice', 'spec.regions[1]', { regions: ['eu-west-1', 'eu-west-1'] }),
  check('too many regions', 'spec.regions', {
    regions: Array.from({ length: 33 }, (_, i) => `us-east-${i}`),
  }),
  check('schedule minute 61', 'spec.schedule', { schedule: '61 * * * *' }),
  check('schedule of four fields', 'spec.schedule', { schedule: '0 * * *' }),
  check('schedule of six fields', 'spec.schedule', { schedule: '0 0 * * * *' }),
  check('schedule macro @yearly', 'spec.schedule', { schedule: '@yearly' }),
  check('schedule @every', 'spec.schedule', { schedule: '@every 5m' }),
  check('schedule day of week 7', 'spec.schedule', { schedule: '0 0 * * 7' }),
  check('schedule month 13', 'spec.schedule', { schedule: '0 0 1 13 *' }),
  check('schedule day of month 0', 'spec.schedule', { schedule: '0 0 0 * *' }),
  check('schedule step 0', 'spec.schedule', { schedule: '*/0 * * * *' }),
  check('schedule with a time zone prefix', 'spec.schedule', { schedule: 'TZ=UTC 0 0 * * *' }),
  check('schedule empty', 'spec.schedule', { schedule: '' }),
  check('schedule too long', 'spec.schedule', { schedule: `0 0 * * ${long(48, '1,')}1` }),
  check('timeZone with a space', 'spec.timeZone', { timeZone: 'Europe Berlin' }),
  check('timeZone with a leading slash', 'spec.timeZone', { timeZone: '/UTC' }),
  check('suspend not a boolean', 'spec.suspend', { suspend: 'yes' }),
  check('firstRun not a policy', 'spec.firstRun', { firstRun: true }),
  check('type in the old snake_case', 'spec.type', { type: 'health_check' }),
  check('timeoutSeconds below 10', 'spec.timeoutSeconds', { timeoutSeconds: 9 }),
  check('timeoutSeconds above 3600', 'spec.timeoutSeconds', { timeoutSeconds: 3601 }),
  check('timeoutSeconds fractional', 'spec.timeoutSeconds', { timeoutSeconds: 30.5 }),
  check('tag key empty', 'spec.tags', { tags: { '': 'x' } }),
  check('tag key of 129 characters', 'spec.tags', { tags: { [long(129, '😀')]: 'x' } }),
  check('tag value of 257 characters', 'spec.tags.env', { tags: { env: long(257, '😀') } }),
  check('tag value not a string', 'spec.tags.env', { tags: { env: 5 } }),
  check('21 tags', 'spec.tags', {
    tags: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
  }),
  check('expect without bounds', 'spec.expect.min', { expect: {} }),
  check('expect min above max', 'spec.expect.min', { expect: { min: 5, max: 4 } }),
  check('expect min negative', 'spec.expect.min', { expect: { min: -1 } }),
  check('expect max too large', 'spec.expect.max', { expect: { max: 1_000_001 } }),
  check('expect on a HealthCheck', 'spec.expect', { type: 'HealthCheck', expect: { min: 1 } }),
];

const CREDENTIAL_SPEC_CASES: InvalidCase[] = [
  credential('no credential source', 'spec.secretRef', {}),
  credential('region not a region', 'spec.region', { ...VALID_CREDENTIAL_SPEC, region: 'mars-1' }),
  credential('secretRef not an object', 'spec.secretRef', { secretRef: 'aws-keys' }),
  credential('secretRef without a name', 'spec.secretRef.name', { secretRef: {} }),
  credential('secretRef name with an underscore', 'spec.secretRef.name', {
    secretRef: { name: 'aws_keys' },
  }),
  credential('assumeRole without roleArn', 'spec.assumeRole.roleArn', role({})),
  credential('roleArn of a user', 'spec.assumeRole.roleArn', {
    ...role({ roleArn: 'arn:aws:iam::123456789012:user/ReadOnly' }),
  }),
  credential('roleArn with an 11-digit account', 'spec.assumeRole.roleArn', {
    ...role({ roleArn: 'arn:aws:iam::12345678901:role/ReadOnly' }),
  }),
  credential('sessionName of one character', 'spec.assumeRole.sessionName', {
    ...role({ roleArn: ARN, sessionName: 'a' }),
  }),
  credential('sessionName with a space', 'spec.assumeRole.sessionName', {
    ...role({ roleArn: ARN, sessionName: 'aws check' }),
  }),
  credential('durationSeconds below 900', 'spec.assumeRole.durationSeconds', {
    ...role({ roleArn: ARN, durationSeconds: 899 }),
  }),
  credential('durationSeconds above 43200', 'spec.assumeRole.durationSeconds', {
    ...role({ roleArn: ARN, durationSeconds: 43201 }),
  }),
];

const STATUS_CASES: InvalidCase[] = [
  checkStatus('condition status Maybe', 'status.conditions[0].status', {
    conditions: [{ ...VALID_CONDITION, status: 'Maybe' }],
  }),
  checkStatus('condition reason with a space', 'status.conditions[0].reason', {
    conditions: [{ ...VALID_CONDITION, reason: 'Not ready' }],
  }),
  checkStatus('condition without lastTransitionTime', 'status.conditions[0].lastTransitionTime', {
    conditions: [{ ...VALID_CONDITION, lastTransitionTime: undefined }],
  }),
  checkStatus('condition type twice', 'status.conditions[1]', {
    conditions: [VALID_CONDITION, VALID_CONDITION],
  }),
  checkStatus('observedGeneration negative', 'status.observedGeneration', {
    observedGeneration: -1,
  }),
  checkStatus('lastRun outcome unknown', 'status.lastRun.outcome', {
    lastRun: { jobName: 'run-1', startTime: NOW, outcome: 'Partial', message: 'x' },
  }),
  checkStatus('lastRun reason unknown', 'status.lastRun.reason', {
    lastRun: { jobName: 'run-1', startTime: NOW, outcome: 'Failed', reason: 'Oops', message: 'x' },
  }),
];

/** INVALID_CASES is the whole corpus; spec cases are judged on create, status cases on update. */
export const INVALID_CASES: readonly InvalidCase[] = [
  ...CHECK_SPEC_CASES,
  ...CREDENTIAL_SPEC_CASES,
  ...STATUS_CASES,
];

/** objectOf is a case as a whole object named `name`, ready to create or parse. */
export function objectOf(
  kind: KindName,
  name: string,
  namespace: string,
  parts: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind, metadata: { name, namespace }, ...parts };
}

/** validSpecOf is the valid spec a case of `kind` starts from. */
export function validSpecOf(kind: KindName): Readonly<Record<string, unknown>> {
  return kind === 'AwsCheck' ? VALID_CHECK_SPEC : VALID_CREDENTIAL_SPEC;
}

/** partsOf is the spec (and status) of a case's object, with undefined fields removed. */
export function partsOf(c: InvalidCase): Record<string, unknown> {
  const clean = JSON.parse(JSON.stringify(c.value)) as Record<string, unknown>;
  return c.part === 'spec' ? { spec: clean } : { spec: validSpecOf(c.kind), status: clean };
}
