// What the CRD generator needs to know about a kind besides its schema.
import type { z } from 'zod';

/** PrinterColumn is one column of `kubectl get`, as a CRD's additionalPrinterColumns entry. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  /** 0 shows in `kubectl get`; 1 only with `-o wide`. */
  readonly priority?: 0 | 1;
}

/**
 * KindDefinition is one namespaced kind: its names, its spec and status schemas (the single
 * source of truth) and how kubectl lists it. The CRD is generated from it.
 */
export interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly description: string;
  readonly spec: z.ZodType;
  readonly status: z.ZodType;
  readonly printerColumns: readonly PrinterColumn[];
  /** The file that defines the kind, named in the generated CRD's header. */
  readonly source: string;
}

/**
 * CATEGORIES lets `kubectl get awscheck-all` list both kinds at once. It cannot be `awscheck`:
 * that is AwsCheck's singular name, which kubectl resolves before any category.
 */
export const CATEGORIES = ['awscheck-all'] as const;

/** conditionColumn shows one condition's status in `kubectl get`. */
export function conditionColumn(type: string, description: string): PrinterColumn {
  return {
    name: type,
    type: 'string',
    jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
    description,
  };
}

/** AGE_COLUMN is kubectl's usual Age column, which custom columns otherwise replace. */
export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created.',
};
