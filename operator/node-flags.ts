// How the operator's container runs Node: `node ${OPERATOR_NODE_FLAGS} dist/operator/main.js`
// (the Dockerfile's CMD; operator/node-flags.test.ts holds the two together).

/**
 * OPERATOR_NODE_FLAGS bound the operator's heap. Its retained heap is small (about 9 KB a
 * cached check, ~75 MiB at 1,000 checks after a full collection), but a convergence burst
 * lets V8 grow the heap to several times that before it collects: 443 MiB peak RSS at
 * 3,000 checks without them, 235 MiB with them, same CPU and convergence time. The old
 * space fits the chart's default memory limit (256Mi) with the young generation, code and
 * native memory beside it; a replica holding more checks than that heap keeps alive fails
 * with V8's "heap out of memory", saying so: raise the limit and this flag together.
 */
export const OPERATOR_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=160'] as const;
