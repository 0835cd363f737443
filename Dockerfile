# One image for the operator and the checker: built with the full toolchain, run on a slim
# Node 24 as a non-root user with production dependencies only. The operator is the default
# command; checker pods run `node <flags> /app/dist/operator/checker/cli.js` (the operator's
# CHECKER_COMMAND).
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY operator ./operator
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
USER 65532:65532
CMD ["node", "dist/operator/main.js"]
