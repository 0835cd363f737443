// A CustomResourceDefinition from a kind's definition: one version, served and stored.
import { openApiSchemaOf, type OpenApiSchema } from './openapi.ts';
import { GROUP, VERSION } from './v1alpha1/common.ts';
import type { KindDefinition } from './v1alpha1/kind.ts';

/** CustomResourceDefinition is the apiextensions.k8s.io/v1 object the generator writes. */
export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: OpenApiSchema;
}

/** crdName is the CRD's name, `<plural>.<group>`, which the apiserver requires. */
export function crdName(definition: KindDefinition): string {
  return `${definition.plural}.${GROUP}`;
}

/** The apiserver's own descriptions of apiVersion and kind, which it publishes for every kind. */
const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

function rootSchema(definition: KindDefinition): OpenApiSchema {
  return {
    description: definition.description,
    type: 'object',
    properties: {
      apiVersion: {
        description: API_VERSION_DESCRIPTION,
        type: 'string',
      },
      kind: {
        description: KIND_DESCRIPTION,
        type: 'string',
      },
      // The apiserver forbids anything but `type` here: metadata is implicitly specified.
      metadata: { type: 'object' },
      spec: openApiSchemaOf(definition.spec, 'spec'),
      status: openApiSchemaOf(definition.status, 'status'),
    },
    required: ['spec'],
  };
}

/**
 * crdOf builds the CRD of a kind: namespaced, version v1alpha1 served and stored, structural
 * schema from the zod schemas, status subresource, printer columns, short names, categories.
 */
export function crdOf(definition: KindDefinition): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(definition) },
    spec: {
      group: GROUP,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: definition.shortNames,
        categories: definition.categories,
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns,
          schema: { openAPIV3Schema: rootSchema(definition) },
        },
      ],
    },
  };
}
