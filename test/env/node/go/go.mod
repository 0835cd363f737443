// The real node's own small images: the pod sandbox's pause program and a probe that
// reports what a container sees. Static programs with no dependencies, packed by
// test/env/node/images.ts into OCI archives (no registry is reachable).
module awscheck.io/testenv/node

go 1.26.0
