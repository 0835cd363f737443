// How the checker's container runs Node: `node ${CHECKER_NODE_FLAGS} dist/operator/checker/cli.js`.

/**
 * CHECKER_NODE_FLAGS are the Node options the checker runs with. A 1 MiB young generation
 * keeps the peak RSS of a 5,000-instance inventory under 150 MiB (about 210 MiB without
 * it: the EC2 client alone is ~90 MiB resident), at no measurable cost in time. The
 * operator puts them on the checker container's command line; V8 ignores them once the
 * process has started, so the checker cannot set them itself.
 */
export const CHECKER_NODE_FLAGS = ['--max-semi-space-size=1'] as const;
