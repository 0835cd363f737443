// The Helm chart's generated files: copies of the CRDs, the templates of everything declared
// in code (RBAC, the admission fences, the plan catalog), and the values files from the one
// values schema. Hand-written templates live in templates/ itself; templates/generated/ and
// crds/ hold only what this file writes.
import { basename } from 'node:path';
import type { GeneratedSet } from '../operator/api/generated-set.ts';
import { coreGeneratedFiles, CRD_TARGETS } from '../operator/api/generated-files.ts';
import { admissionManifests } from '../operator/admission.ts';
import { catalogConfigMap } from '../operator/plans/configmap.ts';
import { CATALOG_SOURCE } from '../operator/plans/catalog.ts';
import { rbacManifests, tenantRoleManifest } from '../operator/rbac.ts';
import { portalFenceBinding, portalFencePolicy } from '../portal/admission.ts';
import { portalRbacManifests } from '../portal/rbac.ts';
import { operatorBindings } from './bindings.ts';
import { AT, templateOf, type GeneratedTemplate } from './helm-template.ts';
import { valuesJsonSchema, valuesMarkdown, valuesYaml } from './values-files.ts';
import { prettyJson } from '../operator/monitoring/json.ts';

/** CHART_DIR is the chart, relative to the repository root. */
export const CHART_DIR = 'charts/awscheck-operator';

/** CHART_CRDS_DIR receives the CRDs, which Helm installs before the templates and never deletes. */
export const CHART_CRDS_DIR = `${CHART_DIR}/crds`;

/** GENERATED_TEMPLATES_DIR receives the templates generated from code. */
export const GENERATED_TEMPLATES_DIR = `${CHART_DIR}/templates/generated`;

/** The chart's copies of the CRDs: the very files `crds/` holds. */
function crdCopies(): [string, string][] {
  const [crdsDir] = CRD_TARGETS;
  return [...coreGeneratedFiles()]
    .filter(
      ([path]) => path.startsWith(`${crdsDir}/`) && !path.slice(`${crdsDir}/`.length).includes('/'),
    )
    .map(([path, content]) => [`${CHART_CRDS_DIR}/${basename(path)}`, content]);
}

/** The operator's ServiceAccount in the release namespace, as the fence's username. */
const OPERATOR_USERNAME = `system:serviceaccount:${AT.namespace}:${AT.operatorServiceAccount}`;

/** GENERATED_TEMPLATES are the generated templates by file name. */
export const GENERATED_TEMPLATES: Readonly<Record<string, () => GeneratedTemplate>> = {
  'operator-rbac.yaml': () => {
    const [clusterRole, ...roles] = rbacManifests();
    const namespaced = roles.map((role) => {
      const copy = structuredClone(role);
      copy.metadata = { name: role.metadata?.name ?? '', namespace: AT.namespace };
      return copy;
    });
    return {
      objects: [
        clusterRole,
        ...namespaced,
        ...operatorBindings(AT.namespace, AT.operatorServiceAccount),
      ],
      source: 'operator/rbac.ts and charts/bindings.ts',
    };
  },
  'tenant-clusterrole.yaml': () => ({
    objects: [tenantRoleManifest()],
    source: 'operator/rbac.ts',
  }),
  // Parameters before bindings: Helm installs ConfigMaps first and unknown kinds last,
  // ValidatingAdmissionPolicy before ValidatingAdmissionPolicyBinding.
  'checker-pods-admission.yaml': () => ({
    objects: admissionManifests({
      namespace: AT.namespace,
      operatorUsername: OPERATOR_USERNAME,
      checkerImage: AT.checkerImage,
      platformTokenAudience: AT.platformTokenAudience,
    }),
    source: 'operator/admission.ts',
  }),
  'plans-configmap.yaml': () => ({
    objects: [catalogConfigMap(AT.namespace)],
    source: CATALOG_SOURCE,
    when: '.Values.plans.create',
  }),
  'portal-rbac.yaml': () => ({
    objects: [
      ...portalRbacManifests(AT.namespace),
      portalFencePolicy(AT.namespace),
      portalFenceBinding(AT.namespace),
    ],
    source: 'portal/rbac.ts and portal/admission.ts',
    when: '.Values.portal.enabled',
  }),
};

function templateFiles(): [string, string][] {
  return Object.entries(GENERATED_TEMPLATES).map(([file, template]) => [
    `${GENERATED_TEMPLATES_DIR}/${file}`,
    templateOf(template()),
  ]);
}

function valuesFiles(): [string, string][] {
  return [
    [`${CHART_DIR}/values.yaml`, valuesYaml()],
    [`${CHART_DIR}/values.schema.json`, prettyJson(valuesJsonSchema())],
    [`${CHART_DIR}/VALUES.md`, valuesMarkdown()],
  ];
}

/** chartFiles: the Helm chart's generated copies (CRDs, RBAC, admission fence, plans) and its values reference. */
export const chartFiles: GeneratedSet = {
  dirs: [CHART_CRDS_DIR, GENERATED_TEMPLATES_DIR],
  files: () => [...crdCopies(), ...templateFiles(), ...valuesFiles()],
};
