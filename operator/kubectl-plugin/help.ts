/** USAGE is `kubectl awscheck --help`. */
export const USAGE = `kubectl awscheck: run AwsChecks now, see how they stand, read their runs.

Usage:
  kubectl awscheck run NAME [--wait] [--timeout 5m]
      Ask the operator for a run now (annotation awscheck.io/run-now). With --wait, follow
      the check until that run is recorded, print its result, and exit 1 if it failed.
  kubectl awscheck status [NAME] [-A]
      A table of AwsChecks: NAMESPACE NAME READY HEALTHY REASON LAST-RUN AGE. REASON says
      why one is not fine: Ready's reason, else the latest run's (such as PermissionDenied).
  kubectl awscheck logs NAME [--result]
      The last run's detail from its Pod: the checker's log (JSON lines), or with --result
      the compact result it left in the Pod's termination message.

Flags (as kubectl's):
  -n, --namespace NAME   the namespace (default: the context's, else "default")
  -A, --all-namespaces   status across every namespace
      --context NAME     the kubeconfig context to use
      --kubeconfig PATH  the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
  -h, --help             this help

Exit codes: 0 done (the run succeeded), 1 failed (the run failed, or the cluster refused),
2 the command line is wrong.
`;
