# syntax=docker/dockerfile:1
# One image, three entrypoints, all `node` on PATH and /app as working directory:
#   operator (default)  node --max-semi-space-size=4 --max-old-space-size=112 dist/operator/main.js
#   checker             node --max-semi-space-size=1 --optimize-for-size /app/dist/operator/checker/cli.js
#                       (the operator's CHECKER_COMMAND; its pods name nothing else)
#   portal              node dist/portal/main.js
# It runs as 65532:65532 and writes nothing at run time, so a read-only root filesystem
# is fine. Only production dependencies ship; the compiler stays in the build stage.
#
# Behind a TLS-intercepting proxy, pass its CA bundle as a build secret (never COPY it):
#   buildah build --secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt .
#   docker build --secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt .
# Release builds add --build-arg VERSION=… and --label org.opencontainers.image.source=…
# --label org.opencontainers.image.revision=….

# Production dependencies only. No package needs an install script at run time.
# This `npm ci` and the build stage's are near copies on purpose (they differ in
# --omit=dev): each stage caches its own install layer keyed only by package.json and
# package-lock.json, so a source edit reuses both, and the final image copies
# node_modules from this stage, which never held a dev dependency.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca-certificates,required=false \
    --mount=type=cache,id=awscheck-npm,target=/root/.npm,sharing=locked \
    if [ -s /run/secrets/ca-certificates ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; fi \
    && npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The compiler. Scripts are skipped: the `node` dev dependency would download a second
# Node only to shadow the image's own, and tsc is run with the image's node directly.
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca-certificates,required=false \
    --mount=type=cache,id=awscheck-npm,target=/root/.npm,sharing=locked \
    if [ -s /run/secrets/ca-certificates ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; fi \
    && npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY operator ./operator
COPY portal ./portal
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM node:24-slim
ARG VERSION=0.0.0-dev
LABEL org.opencontainers.image.title="awscheck-operator" \
      org.opencontainers.image.description="Kubernetes operator that runs scheduled checks against AWS accounts: operator, checker and portal in one image" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
ENV NODE_ENV=production
WORKDIR /app
# package.json says "type": "module", which makes dist/**/*.js ES modules.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Data files read beside the compiled code at run time (tsc copies none of them):
# the plan catalog (operator/plans/catalog.ts) and the checker's IAM policy, which the
# portal's connect-aws template reads (portal/connect-aws/template.ts).
COPY operator/plans/catalog.yaml ./dist/operator/plans/catalog.yaml
COPY operator/checker/iam-policy.json ./dist/operator/checker/iam-policy.json
USER 65532:65532
# No entrypoint: the official node image's docker-entrypoint.sh is dropped, so the image
# does not depend on it and a pod's `command` (the checker's) or CMD is run as written.
ENTRYPOINT []
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=112", "dist/operator/main.js"]
