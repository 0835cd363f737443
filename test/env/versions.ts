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
} as const;
