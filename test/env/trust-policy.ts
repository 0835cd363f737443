// Stand-in for AWS IAM's evaluation of a role's trust policy (its AssumeRolePolicyDocument)
// on sts:AssumeRole, which moto 5.2.5 gets wrong in ways that matter to the ExternalId:
// moto (moto/iam/access_control.py IAMPolicyStatement._check_conditions, and
// moto/iam/policy_conditions.py TrustCondition.verify_condition) treats a condition key
// missing from the request as met, so a role that requires sts:ExternalId accepts an
// AssumeRole without one; it ignores every operator but StringEquals (StringLike always
// passes) and matches condition keys case-sensitively. AWS does neither.
//
// This module is pure: it decides one AssumeRole request against one trust policy by the
// documented rules (IAM User Guide, "Policy evaluation logic", "IAM JSON policy elements:
// Condition operators", "Conditions with multiple context keys or values"):
// - an explicit Deny in any statement that applies wins; else an Allow that applies
//   allows; else the request is implicitly denied;
// - a statement applies when its Action (or NotAction) covers the action, its Principal
//   names the caller, and every condition holds;
// - condition operators are ANDed, keys under one operator are ANDed, values of one key are
//   ORed (NORed for a negated operator); key names are case-insensitive;
// - a key absent from the request makes a positive operator false and a negated operator
//   true; `…IfExists` holds when the key is absent; `Null` tests presence.
// What it does not model (set qualifiers, policy variables, numeric/date/IP/ARN operators,
// NotPrincipal, keys other than those in CONTEXT_KEYS) is refused with an error, never
// evaluated as met, so a test can never pass because the stand-in skipped something.
import { z } from 'zod';

/** TrustEffect is the outcome of evaluating a trust policy, in AWS's own terms. */
export type TrustEffect = 'Allow' | 'ImplicitDeny' | 'ExplicitDeny';

/** TrustDecision is an outcome and why: the statement that decided, or why none applied. */
export interface TrustDecision {
  readonly effect: TrustEffect;
  readonly reason: string;
}

/** AssumeRoleRequest is what the trust policy is evaluated against. */
export interface AssumeRoleRequest {
  /** The action, e.g. sts:AssumeRole. */
  readonly action: string;
  /** The caller's ARN: an IAM user (arn:aws:iam::123456789012:user/reader) or role. */
  readonly principalArn: string;
  /** The request's condition context; keys as in CONTEXT_KEYS, values absent when not sent. */
  readonly context: Readonly<Record<string, string | undefined>>;
}

/** CONTEXT_KEYS are the condition keys this stand-in models for sts:AssumeRole. */
export const CONTEXT_KEYS = [
  'sts:ExternalId',
  'sts:RoleSessionName',
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
] as const;

const OneOrMany = z.union([z.string(), z.array(z.string())]);
type OneOrMany = z.infer<typeof OneOrMany>;
const ConditionValue = z.union([
  z.string(),
  z.boolean(),
  z.number(),
  z.array(z.union([z.string(), z.boolean(), z.number()])),
]);
const Principal = z.union([
  z.literal('*'),
  z.strictObject({
    AWS: OneOrMany.optional(),
    Service: OneOrMany.optional(),
    Federated: OneOrMany.optional(),
    CanonicalUser: OneOrMany.optional(),
  }),
]);
const Statement = z.looseObject({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Principal: Principal.optional(),
  NotPrincipal: z.unknown().optional(),
  Action: OneOrMany.optional(),
  NotAction: OneOrMany.optional(),
  Condition: z.record(z.string(), z.record(z.string(), ConditionValue)).optional(),
});
type Statement = z.infer<typeof Statement>;
const TrustPolicy = z.looseObject({
  Version: z.string().optional(),
  Statement: z.union([Statement, z.array(Statement)]),
});

/** UnsupportedPolicyError: the policy uses something this stand-in does not evaluate. */
export class UnsupportedPolicyError extends Error {
  override readonly name = 'UnsupportedPolicyError';
}

const list = <T>(value: T | readonly T[]): readonly T[] =>
  Array.isArray(value) ? (value as readonly T[]) : [value as T];

/** wildcard turns an IAM pattern (* any run, ? one character) into an anchored RegExp. */
export function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, `s${flags}`);
}

function actionApplies(statement: Statement, action: string): string | undefined {
  // Action names are case-insensitive in IAM.
  const covers = (patterns: OneOrMany): boolean =>
    list(patterns).some((p) => wildcard(p, 'i').test(action));
  if (statement.Action !== undefined) {
    return covers(statement.Action) ? undefined : `Action does not cover ${action}`;
  }
  if (statement.NotAction !== undefined) {
    return covers(statement.NotAction) ? `NotAction excludes ${action}` : undefined;
  }
  throw new UnsupportedPolicyError('a statement needs Action or NotAction');
}

/** accountOf is the 12-digit account of an IAM or STS ARN. */
export function accountOf(arn: string): string {
  const account = arn.split(':')[4];
  if (account === undefined || !/^\d{12}$/.test(account)) {
    throw new UnsupportedPolicyError(`${arn} is not an ARN with an account`);
  }
  return account;
}

// awsPrincipalNames: "*", the caller's own ARN, or its account (12 digits or :root).
function awsPrincipalNames(value: string, principalArn: string): boolean {
  if (value === '*' || value === principalArn) return true;
  const account = accountOf(principalArn);
  if (value === account) return true;
  return /^arn:[\w-]+:iam::\d{12}:root$/.test(value) && accountOf(value) === account;
}

function principalApplies(statement: Statement, principalArn: string): string | undefined {
  if (statement.NotPrincipal !== undefined) {
    throw new UnsupportedPolicyError('NotPrincipal is not modelled');
  }
  const principal = statement.Principal;
  // A trust policy statement without a Principal names nobody.
  if (principal === undefined) return 'the statement has no Principal';
  if (principal === '*') return undefined;
  const aws = principal.AWS === undefined ? [] : list(principal.AWS);
  return aws.some((value) => awsPrincipalNames(value, principalArn))
    ? undefined
    : `Principal does not name ${principalArn}`;
}

const STRING_OPERATORS = {
  StringEquals: { negated: false, match: (v: string, p: string): boolean => v === p },
  StringNotEquals: { negated: true, match: (v: string, p: string): boolean => v === p },
  StringEqualsIgnoreCase: {
    negated: false,
    match: (v: string, p: string): boolean => v.toLowerCase() === p.toLowerCase(),
  },
  StringNotEqualsIgnoreCase: {
    negated: true,
    match: (v: string, p: string): boolean => v.toLowerCase() === p.toLowerCase(),
  },
  StringLike: { negated: false, match: (v: string, p: string): boolean => wildcard(p).test(v) },
  StringNotLike: { negated: true, match: (v: string, p: string): boolean => wildcard(p).test(v) },
} as const;
type StringOperator = keyof typeof STRING_OPERATORS;
const isStringOperator = (name: string): name is StringOperator => name in STRING_OPERATORS;

/** contextValue looks a condition key up case-insensitively; refuses keys not modelled. */
function contextValue(request: AssumeRoleRequest, key: string): string | undefined {
  const modelled = CONTEXT_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
  if (modelled === undefined) {
    throw new UnsupportedPolicyError(
      `condition key ${key} is not modelled; the stand-in knows ${CONTEXT_KEYS.join(', ')}`,
    );
  }
  return request.context[modelled];
}

function policyValues(values: z.infer<typeof ConditionValue>): string[] {
  const strings = list(values).map(String);
  if (strings.some((s) => s.includes('${'))) {
    throw new UnsupportedPolicyError('policy variables (${…}) are not modelled');
  }
  return strings;
}

interface KeyTest {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
  readonly actual: string | undefined;
}

// stringKeyHolds: absent keys fail positive operators and pass negated ones (IfExists
// passes either way); present values are ORed, or NORed under a negated operator.
function stringKeyHolds(test: KeyTest, base: StringOperator, ifExists: boolean): boolean {
  const { negated, match } = STRING_OPERATORS[base];
  if (test.actual === undefined) return ifExists || negated;
  const actual = test.actual;
  const any = test.values.some((p) => match(actual, p));
  return negated ? !any : any;
}

function nullKeyHolds(test: KeyTest): boolean {
  const [wanted] = test.values;
  if (test.values.length !== 1 || (wanted !== 'true' && wanted !== 'false')) {
    throw new UnsupportedPolicyError(`Null takes "true" or "false", not ${test.values.join(',')}`);
  }
  return (test.actual === undefined) === (wanted === 'true');
}

function keyHolds(test: KeyTest): boolean {
  if (test.operator.includes(':')) {
    throw new UnsupportedPolicyError(`set qualifiers (${test.operator}) are not modelled`);
  }
  if (test.operator === 'Null') return nullKeyHolds(test);
  const ifExists = test.operator.endsWith('IfExists');
  const base = ifExists ? test.operator.slice(0, -'IfExists'.length) : test.operator;
  if (!isStringOperator(base)) {
    throw new UnsupportedPolicyError(
      `condition operator ${test.operator} is not modelled; the stand-in knows Null and ${Object.keys(STRING_OPERATORS).join(', ')} (each also …IfExists)`,
    );
  }
  return stringKeyHolds(test, base, ifExists);
}

function describeFailure(test: KeyTest): string {
  const sent = test.actual === undefined ? 'absent from the request' : `"${test.actual}"`;
  return `${test.operator} ${test.key} [${test.values.join(', ')}] does not hold: ${sent}`;
}

function conditionsHold(statement: Statement, request: AssumeRoleRequest): string | undefined {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      const test = {
        operator,
        key,
        values: policyValues(values),
        actual: contextValue(request, key),
      };
      if (!keyHolds(test)) return describeFailure(test);
    }
  }
  return undefined;
}

// whyNotApplies is undefined when the statement applies to the request, else the reason.
function whyNotApplies(statement: Statement, request: AssumeRoleRequest): string | undefined {
  return (
    actionApplies(statement, request.action) ??
    principalApplies(statement, request.principalArn) ??
    conditionsHold(statement, request)
  );
}

/**
 * evaluateTrustPolicy decides an AssumeRole request against a trust policy document (parsed
 * JSON) as AWS does: an applicable Deny wins, else an applicable Allow, else ImplicitDeny.
 * It throws UnsupportedPolicyError for anything it does not model.
 */
export function evaluateTrustPolicy(document: unknown, request: AssumeRoleRequest): TrustDecision {
  const parsed = TrustPolicy.safeParse(document);
  if (!parsed.success) {
    throw new UnsupportedPolicyError(`not a trust policy: ${z.prettifyError(parsed.error)}`);
  }
  const misses: string[] = [];
  let allowedBy: string | undefined;
  for (const [index, statement] of list(parsed.data.Statement).entries()) {
    const label = `statement ${statement.Sid ?? String(index)}`;
    const miss = whyNotApplies(statement, request);
    if (miss !== undefined) misses.push(`${label}: ${miss}`);
    else if (statement.Effect === 'Deny') {
      return { effect: 'ExplicitDeny', reason: `${label} denies ${request.action}` };
    } else allowedBy ??= label;
  }
  if (allowedBy !== undefined) {
    return { effect: 'Allow', reason: `${allowedBy} allows ${request.action}` };
  }
  return {
    effect: 'ImplicitDeny',
    reason: misses.length > 0 ? misses.join('; ') : 'no statement',
  };
}
