// How the operator's container runs Node: `node ${OPERATOR_NODE_FLAGS} dist/operator/main.js`
// (the Dockerfile's CMD; operator/node-flags.test.ts holds the two together).

/**
 * OPERATOR_NODE_FLAGS bound the operator's heap. Its retained heap is small (about 9 KB a
 * cached check), but a convergence burst or a resync lets V8 grow the heap toward its
 * limit before it collects, so peak RSS is the heap limit plus ~85 MiB of code and native
 * memory, whatever the checks: 443 MiB at 3,000 checks without a limit; at 5,000 checks
 * 239 MiB under 160 MiB of old space and 197 MiB under 112 (the scale benchmark), the same
 * convergence time. 112 MiB keeps a replica of 5,000 checks under 200 MiB and holds about
 * 8,000 checks with room for a burst; a replica holding more checks than that heap keeps
 * alive fails with V8's "heap out of memory", saying so: raise the container's memory
 * limit and this flag together (README, "Memory and CPU per check").
 */
export const OPERATOR_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=112'] as const;
