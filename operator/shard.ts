// Sharding: one operator Deployment (its own Lease, its own replicas) serves the tenant
// namespaces its label selector (AWSCHECK_SHARD_SELECTOR) matches, so several Deployments
// split a cluster's checks between them. The namespace is the unit: a check, its
// credential ref, its children, its run queue and its plan all live in one namespace, so
// no reconcile ever needs an object of another shard.
import type { V1Namespace } from '@kubernetes/client-node';
import { WorkQueue, type BackoffPolicy } from './runtime/workqueue.ts';
import type { Clock } from './runtime/clock.ts';

/** Requirement is one term of a label selector, as Kubernetes parses it. */
export type Requirement =
  | { readonly key: string; readonly operator: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly operator: 'exists' | 'doesnotexist' };

/** Selector is a parsed label selector: every requirement must hold (an empty one matches all). */
export type Selector = readonly Requirement[];

// A label name: alphanumeric at both ends, dashes, underscores and dots between, ≤ 63.
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
// A DNS-1123 subdomain, the optional prefix of a label key, ≤ 253.
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KEY = String.raw`[^\s=!(),]+`;
const VALUE = String.raw`[^\s=!(),]*`;
const EXISTS = new RegExp(String.raw`^(!?)\s*(${KEY})$`);
const EQUALITY = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`);
const SET = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^()]*)\)$`);

/**
 * parseSelector reads a label selector as `kubectl get -l` and the apiserver take it:
 * comma-separated requirements, all of which must hold: `key=value` (or `==`),
 * `key!=value` (also true without the label), `key in (a,b)`, `key notin (a,b)` (also
 * true without the label), `key`, `!key`. Anything else is refused, saying what is allowed.
 */
export function parseSelector(text: string): Selector {
  return splitRequirements(text).map((term) => parseRequirement(term, text));
}

// splitRequirements splits at the commas outside parentheses.
function splitRequirements(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '(') depth += 1;
    else if (text[i] === ')') depth -= 1;
    else if (text[i] === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  const trimmed = terms.map((term) => term.trim());
  if (trimmed.length === 1 && trimmed[0] === '') return [];
  return trimmed;
}

function parseRequirement(term: string, text: string): Requirement {
  const requirement = setTerm(term, text) ?? equalityTerm(term, text) ?? existsTerm(term, text);
  if (requirement !== undefined) return requirement;
  throw new SelectorError(
    text,
    `"${term}" is not a requirement; allowed: key=value, key==value, key!=value, key in (a,b), key notin (a,b), key, !key`,
  );
}

function setTerm(term: string, text: string): Requirement | undefined {
  const match = SET.exec(term);
  if (match === null) return undefined;
  const [, key = '', operator, list = ''] = match;
  const values = list.split(',').map((value) => validValue(value.trim(), text));
  return { key: validKey(key, text), operator: operator === 'in' ? 'in' : 'notin', values };
}

function equalityTerm(term: string, text: string): Requirement | undefined {
  const match = EQUALITY.exec(term);
  if (match === null) return undefined;
  const [, key = '', operator, value = ''] = match;
  const values = [validValue(value, text)];
  return { key: validKey(key, text), operator: operator === '!=' ? 'notin' : 'in', values };
}

function existsTerm(term: string, text: string): Requirement | undefined {
  const match = EXISTS.exec(term);
  if (match === null) return undefined;
  const [, not, key = ''] = match;
  return { key: validKey(key, text), operator: not === '!' ? 'doesnotexist' : 'exists' };
}

function validKey(key: string, text: string): string {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix));
  if (prefixOk && NAME.test(name)) return key;
  throw new SelectorError(
    text,
    `"${key}" is not a label key: an optional DNS subdomain prefix and "/", then at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
  );
}

function validValue(value: string, text: string): string {
  if (value === '' || NAME.test(value)) return value;
  throw new SelectorError(
    text,
    `"${value}" is not a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit, or empty`,
  );
}

/** SelectorError is a shard selector that is not a label selector; its message says why. */
export class SelectorError extends Error {
  constructor(selector: string, why: string) {
    super(`AWSCHECK_SHARD_SELECTOR "${selector}" is not a label selector: ${why}`);
    this.name = 'SelectorError';
  }
}

/** matches tells whether `labels` satisfy every requirement of `selector`. */
export function matches(
  selector: Selector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return selector.every((requirement) => {
    const value = labels?.[requirement.key];
    switch (requirement.operator) {
      case 'in':
        return value !== undefined && requirement.values.includes(value);
      case 'notin':
        return value === undefined || !requirement.values.includes(value);
      case 'exists':
        return value !== undefined;
      case 'doesnotexist':
        return value === undefined;
    }
  });
}

/** NamespaceLookup is the namespaces cache, as a shard reads it. */
export interface NamespaceLookup {
  get(name: string): V1Namespace | undefined;
}

/** Shard answers which namespaces this operator Deployment serves. */
export interface Shard {
  /** The selector as configured; undefined: every namespace. */
  readonly selector: string | undefined;
  /**
   * owns: the namespace is in the cache and its labels match. A namespace the cache does
   * not hold yet is not owned: its arrival routes every object of it again, and is
   * judged then.
   */
  owns(namespace: string): boolean;
}

/**
 * shardOf is the shard `selector` describes, reading labels from `namespaces` at every
 * question (a namespace's labels change, and it moves with them). No selector: the
 * shard owns every namespace, known to the cache or not. A bad selector throws.
 */
export function shardOf(selector: string | undefined, namespaces: () => NamespaceLookup): Shard {
  if (selector === undefined) return { selector, owns: () => true };
  const parsed = parseSelector(selector);
  return {
    selector,
    owns: (namespace) => {
      const object = namespaces().get(namespace);
      return object !== undefined && matches(parsed, object.metadata?.labels);
    },
  };
}

/** namespaceOfKey is the namespace a queue key concerns: `namespace/name`, or `namespace`. */
export function namespaceOfKey(key: string): string {
  const at = key.indexOf('/');
  return at === -1 ? key : key.slice(0, at);
}

/**
 * ShardQueue is a work queue that takes only keys of namespaces the shard owns, however
 * they come (an event, a resync, a delayed requeue, a replay after `done`); a key it
 * turns away is passed to `onLeave`, so what was published about it can be forgotten.
 * A key already queued when its namespace moves away is still handed out: a worker
 * judges it again before reconciling (operator/manager.ts `work`).
 */
export class ShardQueue extends WorkQueue {
  readonly #owns: (namespace: string) => boolean;
  readonly #onLeave: (key: string) => void;

  constructor(
    shard: Pick<Shard, 'owns'>,
    onLeave: (key: string) => void = () => undefined,
    options: { backoff?: BackoffPolicy; clock?: Clock } = {},
  ) {
    super(options.backoff, options.clock);
    this.#owns = (namespace) => shard.owns(namespace);
    this.#onLeave = onLeave;
  }

  /** owns tells whether `key` belongs to this shard now. */
  owns(key: string): boolean {
    return this.#owns(namespaceOfKey(key));
  }

  /** leave passes a key of a namespace this shard does not own to `onLeave`. */
  leave(key: string): void {
    this.#onLeave(key);
  }

  override add(key: string): void {
    if (this.owns(key)) super.add(key);
    else this.leave(key);
  }
}
