import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSamples, credentialRefSamples } from '../samples.ts';
import {
  INVALID_CASES,
  objectOf,
  partsOf,
  VALID_CHECK_SPEC,
  VALID_CREDENTIAL_SPEC,
} from '../testing/invalid-objects.ts';
import {
  parseAwsCheck,
  parseAwsCheckSpec,
  parseAwsCredentialRef,
  readAwsCheck,
  withoutNullFields,
  type Parsed,
} from './parse.ts';

const parse = (kind: string, object: unknown): Parsed<unknown> =>
  kind === 'AwsCheck' ? parseAwsCheck(object) : parseAwsCredentialRef(object);

describe('parseAwsCheck and parseAwsCredentialRef', () => {
  it('accept every sample', () => {
    for (const sample of [...credentialRefSamples(), ...checkSamples()]) {
      const object = { ...sample.object, metadata: { name: 'x', namespace: 'y' } };
      const parsed = parse(String(sample.object.kind), object);
      expect(parsed, sample.file).toMatchObject({ ok: true });
    }
  });

  it('fill in the defaults the CRD declares', () => {
    const parsed = parseAwsCheck(objectOf('AwsCheck', 'x', 'y', { spec: VALID_CHECK_SPEC }));

    expect(parsed.ok && parsed.value.spec).toEqual({
      ...VALID_CHECK_SPEC,
      schedule: '@daily',
      suspend: false,
      firstRun: 'Immediately',
      timeoutSeconds: 300,
    });
    const credential = parseAwsCredentialRef(
      objectOf('AwsCredentialRef', 'x', 'y', {
        spec: { assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/R' } },
      }),
    );
    expect(credential.ok && credential.value.spec).toEqual({
      region: 'us-east-1',
      assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/R', durationSeconds: 900 },
    });
  });

  it('read an object whose status an earlier version wrote in another shape as having none', () => {
    const oldStatus = {
      lastRun: {
        jobName: 'web-initial',
        startTime: '2024-06-01T00:00:00Z',
        outcome: 'Succeeded',
        message: 'found 3',
        regions: { 'us-east-1': { resources: 3, unhealthy: 0 } },
      },
    };
    const object = objectOf('AwsCheck', 'x', 'y', { spec: VALID_CHECK_SPEC });
    const parsed = readAwsCheck({ ...object, status: oldStatus });
    expect(parseAwsCheck({ ...object, status: oldStatus }).ok).toBe(false);
    expect(parsed.ok && parsed.value.status).toBeUndefined();
    expect(parsed.ok && parsed.value.spec.service).toBe(VALID_CHECK_SPEC.service);
  });

  it('drop null fields at any depth, keep null items, and copy nothing without them', () => {
    expect(withoutNullFields({ a: null, b: { c: null, d: [null, { e: null }] } })).toEqual({
      b: { d: [null, {}] },
    });
    const clean = { a: 1, b: { c: [1, { d: 'x' }] } };
    expect(withoutNullFields(clean)).toBe(clean);
  });

  it('parse one object once, and a new object (a watch event) anew', () => {
    const object = objectOf('AwsCheck', 'x', 'y', { spec: VALID_CHECK_SPEC });
    const first = readAwsCheck(object);
    expect(readAwsCheck(object)).toBe(first);
    const next = { ...object, spec: { ...VALID_CHECK_SPEC, service: 's3' } };
    expect(readAwsCheck(next)).not.toBe(first);
    expect(readAwsCheck(next).ok && readAwsCheck(next)).toMatchObject({
      value: { spec: { service: 's3' } },
    });
  });

  it('still reject a bad spec whose status is unreadable too', () => {
    const object = objectOf('AwsCheck', 'x', 'y', { spec: { ...VALID_CHECK_SPEC, type: 'x' } });
    const parsed = readAwsCheck({ ...object, status: { lastRun: 5 } });
    expect(parsed.ok ? '' : parsed.message).toMatch(/spec\.type/);
  });

  it.each(INVALID_CASES.map((c) => [`${c.kind} ${c.why}`, c] as const))(
    'reject %s, naming the field',
    (_, c) => {
      const parsed = parse(c.kind, objectOf(c.kind, 'x', 'y', partsOf(c)));

      const message = parsed.ok ? '' : parsed.message;
      const lines = message.split('\n').map((line) => line.trim());
      expect(lines, message).toContain(`→ at ${c.field}`);
      expect(
        lines.filter((line) => line.startsWith('✖')),
        'one broken rule',
      ).toHaveLength(1);
    },
  );

  it('have a corpus of at least 40 invalid specs', () => {
    expect(INVALID_CASES.filter((c) => c.part === 'spec').length).toBeGreaterThanOrEqual(40);
  });

  it('ignore object fields set to null, as the apiserver prunes them', () => {
    const parsed = parseAwsCheckSpec({ ...VALID_CHECK_SPEC, timeZone: null, expect: null });

    expect(parsed).toMatchObject({ ok: true });
    expect(parsed.ok && 'timeZone' in parsed.value).toBe(false);
  });

  it('reject null list items, as the apiserver does', () => {
    const parsed = parseAwsCheckSpec({ ...VALID_CHECK_SPEC, regions: [null] });

    expect(parsed).toMatchObject({ ok: false });
    expect(!parsed.ok && parsed.message).toContain('→ at regions[0]');
  });

  it('report a wrong apiVersion or kind instead of throwing', () => {
    const parsed = parseAwsCredentialRef({
      apiVersion: 'awscheck.io/v1',
      kind: 'AwsCredentialRef',
      metadata: { name: 'x', namespace: 'y' },
      spec: VALID_CREDENTIAL_SPEC,
    });

    expect(!parsed.ok && parsed.message).toContain('→ at apiVersion');
  });

  it('never throw, whatever the input', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const wrapped = { apiVersion: 'awscheck.io/v1alpha1', kind: 'AwsCheck', spec: value };
        for (const input of [value, wrapped]) {
          const parsed = parseAwsCheck(input);
          expect(parsed.ok || parsed.message.length > 0).toBe(true);
        }
      }),
    );
  });
});
