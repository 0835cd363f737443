// The FlowSchema that serves the operator's Lease requests at the apiserver's
// leader-election priority level (the Helm chart's operator-flowschema.yaml renders the same
// object; cdk8s/install.ts uses this declaration). Without it the service-accounts
// FlowSchema puts them at workload-low with every other request of the operator, and a busy
// apiserver queues the leader's renewals behind its own reconciles.

/** LEASE_FLOW_SCHEMA names the FlowSchema: cluster-scoped, one per cluster like the ClusterRole. */
export const LEASE_FLOW_SCHEMA = 'awscheck-operator-leases';

/** LeaseFlowSchemaOptions say whose Lease requests go where. */
export interface LeaseFlowSchemaOptions {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly priorityLevel: string;
  /** Lower wins; below the service-accounts FlowSchema's 9000. */
  readonly matchingPrecedence: number;
}

/** LEASE_FLOW_DEFAULTS are the chart's defaults. */
export const LEASE_FLOW_DEFAULTS = { priorityLevel: 'leader-election', matchingPrecedence: 800 };

/** leaseFlowSchema is the FlowSchema object for one install. */
export function leaseFlowSchema(options: LeaseFlowSchemaOptions): Record<string, unknown> {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name: LEASE_FLOW_SCHEMA },
    spec: {
      priorityLevelConfiguration: { name: options.priorityLevel },
      matchingPrecedence: options.matchingPrecedence,
      distinguisherMethod: { type: 'ByUser' },
      rules: [
        {
          subjects: [
            {
              kind: 'ServiceAccount',
              serviceAccount: { name: options.serviceAccount, namespace: options.namespace },
            },
          ],
          resourceRules: [
            {
              verbs: ['get', 'create', 'update'],
              apiGroups: ['coordination.k8s.io'],
              resources: ['leases'],
              namespaces: [options.namespace],
            },
          ],
        },
      ],
    },
  };
}
