// Types both kinds share: the API group, names, regions, times and conditions.
import { z } from 'zod';
import { REGION_PATTERN_SOURCE } from '../../checker/result-limits.ts';
import { mapList, matching, text } from './rules.ts';

/** GROUP and VERSION name the API; API_VERSION is what objects carry in `apiVersion`. */
export const GROUP = 'awscheck.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** MAX_REGIONS bounds every list and map keyed by region. */
export const MAX_REGIONS = 32;

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

/** ObjectName is a Kubernetes object name (a DNS-1123 subdomain), such as a Secret's name. */
export const ObjectName = matching(
  `^${DNS_LABEL}([.]${DNS_LABEL})*$`,
  253,
  'must be a Kubernetes object name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
);

/** Region is an AWS region name such as us-east-1, us-gov-west-1 or cn-north-1. */
export const Region = matching(
  REGION_PATTERN_SOURCE,
  32,
  'must be an AWS region name such as us-east-1 or eu-west-1',
);

/** LocalObjectReference names an object in the same namespace; references never cross namespaces. */
export const LocalObjectReference = z.object({
  name: ObjectName.meta({
    description: 'Name of the object, in the same namespace as the referring object.',
  }),
});

/** Time is a Kubernetes timestamp (RFC 3339, UTC), as metav1.Time serializes. */
export const Time = z.iso.datetime();

/** ConditionStatus is the status of a condition, as metav1.ConditionStatus. */
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** MAX_CONDITIONS bounds a condition list; each kind uses only a handful of types. */
export const MAX_CONDITIONS = 8;

/** Condition has the shape and rules of metav1.Condition, so generic tools read it. */
export const Condition = z.object({
  type: matching(
    '^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    316,
    'condition type must be CamelCase such as Ready, optionally prefixed by a DNS subdomain and "/"',
  ).meta({ description: 'Type of the condition in CamelCase, such as Ready or Healthy.' }),
  status: z
    .enum(CONDITION_STATUSES)
    .meta({ description: 'Status of the condition: True, False or Unknown.' }),
  observedGeneration: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional().meta({
    description: 'The .metadata.generation the condition was computed from.',
  }),
  lastTransitionTime: Time.meta({
    description: 'When the condition last changed its status (not its reason or message).',
  }),
  reason: matching(
    '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    1024,
    'reason must be a CamelCase word such as PermissionDenied',
  ).meta({
    description:
      'Machine-readable CamelCase reason for the last transition, such as PermissionDenied.',
  }),
  message: text(32768).meta({
    description: 'Human-readable detail about the last transition.',
  }),
});
export type Condition = z.output<typeof Condition>;

/**
 * Conditions is a list of conditions with at most one per type, stated to the apiserver as a
 * map list keyed by `type` so server-side apply merges it per condition.
 */
export const Conditions = mapList(z.array(Condition).max(MAX_CONDITIONS), 'type');

/** ObjectMeta is the part of metadata the operator reads; every other field passes through. */
export const ObjectMeta = z.looseObject({
  name: z.string(),
  namespace: z.string(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
