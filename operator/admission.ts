// The admission fence around the operator's power, declared once: `npm run generate`
// writes it beside the RBAC, and the tests install exactly this.
//
// The operator may create Jobs and CronJobs in every namespace, and a Job can mount any
// Secret, run as any ServiceAccount and print what it reads into a Pod's log or
// termination message, which the operator can read. RBAC alone cannot say "Jobs, but only
// checker Jobs", so a ValidatingAdmissionPolicy does: a Job or CronJob written by the
// operator's identity is admitted only when its pod template is exactly the checker's pod
// (operator/controller/checker-pod.ts), whose program never prints what it reads.
//
// The rules read only the pod template, on CREATE and UPDATE alike: a Job created
// suspended for a tenant's run queue is admitted like any other, and the operator's merge
// patch that resumes it (spec.suspend alone; a Job's template is immutable) leaves the
// admitted template as it was, so it is admitted too.
//
// How the policy knows the operator: a match condition compares
// `request.userInfo.username` with `operatorUsername` in the parameter ConfigMap, which
// the install creates in the operator's own namespace beside the checker image (and the
// platform token audience when the platform identity is allowed). One cluster-scoped
// policy serves any install; each install binds it to its own parameters. The operator
// cannot edit its parameters (its RBAC has no ConfigMaps) nor the policy or binding (no
// admissionregistration.k8s.io), and every other identity is not matched at all.
//
// The apiserver reads a binding's parameters before its match conditions. A binding whose
// parameter ConfigMap is missing does not apply (parameterNotFoundAction: Allow): denying
// would refuse every Job and CronJob write in the cluster, by anyone, the moment the
// operator's namespace is deleted. This opens nothing to the operator: it cannot delete
// its parameters (no ConfigMaps in its RBAC), and whoever can could delete the policy too.
// Install the ConfigMap before the bindings.
import type {
  V1ConfigMap,
  V1ValidatingAdmissionPolicy,
  V1ValidatingAdmissionPolicyBinding,
  V1Validation,
} from '@kubernetes/client-node';
import {
  CHECKER_COMMAND,
  CHECKER_CONTAINER,
  CREDENTIALS_DIR,
  CREDENTIALS_VOLUME,
  IDENTITY_DIR,
  IDENTITY_VOLUME,
} from './controller/checker-pod.ts';

/**
 * CHECKER_POD_POLICY names the parameter ConfigMap, and starts the names of the policies
 * (one per kind) and of their bindings.
 */
export const CHECKER_POD_POLICY = 'awscheck-checker-pods';

/** PARAM_KEYS are the keys of the parameter ConfigMap. */
export const PARAM_KEYS = {
  /** The operator's username, e.g. `system:serviceaccount:awscheck-system:awscheck-operator`. */
  operatorUsername: 'operatorUsername',
  /** The checker image, the same value as the operator's AWSCHECK_CHECKER_IMAGE. */
  checkerImage: 'checkerImage',
  /**
   * The audience of the projected token of runs from the platform identity, the same value
   * as AWSCHECK_PLATFORM_TOKEN_AUDIENCE; absent when the platform identity is not allowed,
   * and then no token volume is admitted at all.
   */
  platformTokenAudience: 'platformTokenAudience',
} as const;

/** AdmissionInstall is what one install of the operator binds the policy to. */
export interface AdmissionInstall {
  /** The operator's namespace, where the parameter ConfigMap lives. */
  readonly namespace: string;
  readonly operatorUsername: string;
  readonly checkerImage: string;
  readonly platformTokenAudience?: string | undefined;
  /** The bindings' base name; one per install when several share a cluster (tests). */
  readonly bindingName?: string;
}

/** DEFAULT_INSTALL is the generated file's install: the operator's ServiceAccount in awscheck-system. */
export const DEFAULT_INSTALL: AdmissionInstall = {
  namespace: 'awscheck-system',
  operatorUsername: 'system:serviceaccount:awscheck-system:awscheck-operator',
  checkerImage: 'ghcr.io/awscheck/awscheck-operator:0.1.0',
};

/** CheckerPodRule is one validation, with the message that names the rule it keeps. */
export interface CheckerPodRule {
  readonly name: string;
  readonly expression: string;
  readonly message: string;
}

const cel = (value: string): string => JSON.stringify(value);
const celList = (values: readonly string[]): string => `[${values.map(cel).join(', ')}]`;

// The rules read the pod as POD and its volumes as VOLUMES; rulesFor puts in each kind's
// path, so that the apiserver type-checks every field a rule reads against the kind's
// schema (it does not follow fields through a policy's variables).
const POD = 'variables.pod';
const CONTAINERS = `${POD}.containers`;
const VOLUMES = 'variables.volumes';
const param = (key: keyof typeof PARAM_KEYS): string => `params.?data.?${PARAM_KEYS[key]}`;
const AUDIENCE = `${param('platformTokenAudience')}.orValue('')`;
const SECURITY = 'c.?securityContext';
const POD_SECURITY = `${POD}.?securityContext`;
const everyContainer = (expression: string): string => `${CONTAINERS}.all(c, ${expression})`;
const none = (field: string): string => `size(${field}.orValue([])) == 0`;

const SECRET_VOLUME = `(v.name == ${cel(CREDENTIALS_VOLUME)} && has(v.secret) && !has(v.secret.items))`;
const TOKEN_VOLUME = [
  `(v.name == ${cel(IDENTITY_VOLUME)} && has(v.projected)`,
  `size(v.projected.sources) == 1`,
  `v.projected.sources.all(s, has(s.serviceAccountToken)))`,
].join(' && ');
const MOUNT = [
  `m.?readOnly.orValue(false)`,
  `!has(m.subPath) && !has(m.subPathExpr)`,
  `((m.name == ${cel(CREDENTIALS_VOLUME)} && m.mountPath == ${cel(CREDENTIALS_DIR)})` +
    ` || (m.name == ${cel(IDENTITY_VOLUME)} && m.mountPath == ${cel(IDENTITY_DIR)}))`,
].join(' && ');

/**
 * CHECKER_POD_RULES are the rules a pod template of the operator's must keep, in the order
 * the apiserver reports them (it names the first that fails). They read the pod as
 * `variables.pod`; rulesFor writes them for one kind.
 */
export const CHECKER_POD_RULES: readonly CheckerPodRule[] = [
  {
    name: 'one-checker-container',
    expression: `size(${CONTAINERS}) == 1 && ${CONTAINERS}[0].name == ${cel(CHECKER_CONTAINER)}`,
    message: `the pod must have exactly one container, named ${CHECKER_CONTAINER}`,
  },
  {
    name: 'no-init-containers',
    expression: `${none(`${POD}.?initContainers`)} && ${none(`${POD}.?ephemeralContainers`)}`,
    message: 'the pod must have no init or ephemeral containers',
  },
  {
    name: 'checker-image',
    expression: everyContainer(`c.image == ${param('checkerImage')}.orValue('')`),
    message: `the container must run the configured checker image (parameter ${PARAM_KEYS.checkerImage})`,
  },
  {
    name: 'checker-command',
    expression: everyContainer(`c.?command.orValue([]) == ${celList(CHECKER_COMMAND)}`),
    message: `the container's command must be the checker's, ${CHECKER_COMMAND.join(' ')}`,
  },
  {
    name: 'no-env',
    expression: everyContainer(none('c.?env')),
    message: 'the container must have no env: the checker takes everything as arguments',
  },
  {
    name: 'no-env-from',
    expression: everyContainer(none('c.?envFrom')),
    message: 'the container must have no envFrom: the checker takes everything as arguments',
  },
  {
    name: 'no-service-account-token',
    expression: `${POD}.?automountServiceAccountToken.orValue(true) == false`,
    message: 'the pod must set automountServiceAccountToken: false',
  },
  {
    name: 'default-service-account',
    expression: `${POD}.?serviceAccountName.orValue('') in ['', 'default'] && ${POD}.?serviceAccount.orValue('') in ['', 'default']`,
    message: 'the pod must not name a serviceAccountName or serviceAccount other than default',
  },
  {
    name: 'no-host-namespaces',
    expression: `!${POD}.?hostNetwork.orValue(false) && !${POD}.?hostPID.orValue(false) && !${POD}.?hostIPC.orValue(false)`,
    message: 'the pod must not use hostNetwork, hostPID or hostIPC',
  },
  {
    name: 'no-host-path',
    expression: `${VOLUMES}.all(v, !has(v.hostPath))`,
    message: 'the pod must have no hostPath volume',
  },
  {
    name: 'at-most-one-volume',
    expression: `size(${VOLUMES}) <= 1`,
    message: 'the pod must have at most one volume, its credentials',
  },
  {
    name: 'token-audience',
    expression: `${VOLUMES}.all(v, !has(v.projected) || v.projected.sources.all(s, !has(s.serviceAccountToken) || (${AUDIENCE} != '' && s.serviceAccountToken.?audience.orValue('') == ${AUDIENCE})))`,
    message: `a projected ServiceAccount token must be for the platform audience (parameter ${PARAM_KEYS.platformTokenAudience}), and only when that is set`,
  },
  {
    name: 'credential-volume',
    expression: `${VOLUMES}.all(v, ${SECRET_VOLUME} || ${TOKEN_VOLUME})`,
    message: `the only volume must be the Secret volume ${CREDENTIALS_VOLUME} (no items) or the projected volume ${IDENTITY_VOLUME} holding only a ServiceAccount token`,
  },
  {
    name: 'read-only-credential-mount',
    expression: everyContainer(
      `size(c.?volumeMounts.orValue([])) == size(${VOLUMES}) && c.?volumeMounts.orValue([]).all(m, ${MOUNT}) && ${none('c.?volumeDevices')}`,
    ),
    message: `the container must mount its one volume read-only, ${CREDENTIALS_VOLUME} at ${CREDENTIALS_DIR} or ${IDENTITY_VOLUME} at ${IDENTITY_DIR}`,
  },
  {
    name: 'not-privileged',
    expression: everyContainer(
      `!${SECURITY}.?privileged.orValue(false) && !${SECURITY}.?windowsOptions.?hostProcess.orValue(false) && !${POD_SECURITY}.?windowsOptions.?hostProcess.orValue(false)`,
    ),
    message: 'the container must not be privileged',
  },
  {
    name: 'no-privilege-escalation',
    expression: everyContainer(`${SECURITY}.?allowPrivilegeEscalation.orValue(true) == false`),
    message: 'the container must set allowPrivilegeEscalation: false',
  },
  {
    name: 'drop-all-capabilities',
    expression: everyContainer(
      `${SECURITY}.?capabilities.?drop.orValue([]) == ['ALL'] && ${none(`${SECURITY}.?capabilities.?add`)}`,
    ),
    message: 'the container must drop ALL capabilities and add none',
  },
  {
    name: 'read-only-root-filesystem',
    expression: everyContainer(`${SECURITY}.?readOnlyRootFilesystem.orValue(false)`),
    message: 'the container must set readOnlyRootFilesystem: true',
  },
  {
    name: 'run-as-non-root',
    expression: everyContainer(
      `${SECURITY}.?runAsNonRoot.orValue(${POD_SECURITY}.?runAsNonRoot.orValue(false)) && ${SECURITY}.?runAsUser.orValue(${POD_SECURITY}.?runAsUser.orValue(1)) != 0`,
    ),
    message: 'the container must run as non-root (runAsNonRoot: true, runAsUser not 0)',
  },
  {
    name: 'runtime-default-seccomp',
    expression: everyContainer(
      `${SECURITY}.?seccompProfile.?type.orValue(${POD_SECURITY}.?seccompProfile.?type.orValue('')) == 'RuntimeDefault'`,
    ),
    message: 'the container must run with the RuntimeDefault seccomp profile',
  },
];

/** rulesFor is CHECKER_POD_RULES for one kind, reading the pod where that kind holds it. */
export function rulesFor(fenced: FencedKind): CheckerPodRule[] {
  const pod = `${fenced.template}.spec`;
  return CHECKER_POD_RULES.map((rule) => ({
    ...rule,
    expression: rule.expression
      .replaceAll(VOLUMES, `${POD}.?volumes.orValue([])`)
      .replaceAll(POD, pod),
  }));
}

const validation = (rule: CheckerPodRule): V1Validation => ({
  expression: rule.expression,
  message: `awscheck-operator may write only checker-shaped Jobs and CronJobs (${rule.name}): ${rule.message}`,
  reason: 'Forbidden',
});

/** FencedKind is a kind the operator writes whose pod template the fence checks. */
export interface FencedKind {
  readonly kind: 'Job' | 'CronJob';
  readonly resource: string;
  /** Where the pod template is, in CEL. */
  readonly template: string;
}

/**
 * FENCED_KINDS get one policy each, with the same rules: one policy per kind lets the
 * apiserver type-check every expression against that kind's schema without warnings.
 */
export const FENCED_KINDS: readonly FencedKind[] = [
  { kind: 'Job', resource: 'jobs', template: 'object.spec.template' },
  { kind: 'CronJob', resource: 'cronjobs', template: 'object.spec.jobTemplate.spec.template' },
];

/** fencedName is the name of a kind's policy, or of its binding from a binding's base name. */
export function fencedName(fenced: FencedKind, base: string = CHECKER_POD_POLICY): string {
  return `${base}-${fenced.resource}`;
}

/** checkerPodPolicy is the cluster-scoped policy of one kind, the same for every install. */
export function checkerPodPolicy(fenced: FencedKind): V1ValidatingAdmissionPolicy {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: fencedName(fenced) },
    spec: {
      failurePolicy: 'Fail',
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ['batch'],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE'],
            resources: [fenced.resource],
          },
        ],
      },
      matchConditions: [
        {
          name: 'operator-identity',
          expression: `request.userInfo.username == ${param('operatorUsername')}.orValue('')`,
        },
      ],
      validations: rulesFor(fenced).map(validation),
    },
  };
}

/** checkerPodParams is one install's parameter ConfigMap. */
export function checkerPodParams(install: AdmissionInstall): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CHECKER_POD_POLICY, namespace: install.namespace },
    data: {
      [PARAM_KEYS.operatorUsername]: install.operatorUsername,
      [PARAM_KEYS.checkerImage]: install.checkerImage,
      ...(install.platformTokenAudience !== undefined && {
        [PARAM_KEYS.platformTokenAudience]: install.platformTokenAudience,
      }),
    },
  };
}

/**
 * checkerPodBinding binds one kind's policy to one install's parameters, denying what
 * fails. A missing parameter ConfigMap denies too.
 */
export function checkerPodBinding(
  fenced: FencedKind,
  install: AdmissionInstall,
): V1ValidatingAdmissionPolicyBinding {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: fencedName(fenced, install.bindingName) },
    spec: {
      policyName: fencedName(fenced),
      paramRef: {
        name: CHECKER_POD_POLICY,
        namespace: install.namespace,
        parameterNotFoundAction: 'Allow',
      },
      validationActions: ['Deny'],
    },
  };
}

/** AdmissionManifest is one object of the fence. */
export type AdmissionManifest =
  V1ValidatingAdmissionPolicy | V1ConfigMap | V1ValidatingAdmissionPolicyBinding;

/**
 * admissionManifests are the policies, one install's parameters and its bindings, in
 * apply order.
 */
export function admissionManifests(
  install: AdmissionInstall = DEFAULT_INSTALL,
): AdmissionManifest[] {
  return [
    ...FENCED_KINDS.map(checkerPodPolicy),
    checkerPodParams(install),
    ...FENCED_KINDS.map((fenced) => checkerPodBinding(fenced, install)),
  ];
}
