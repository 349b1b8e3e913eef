# syntax=docker/dockerfile:1
# Multi-stage build of the gateway on Node 24 LTS: compile with dev dependencies, then run the one bundled
# file as a non-root user. The bundle carries every library it loads (it starts with no node_modules at
# all: test/process.test.ts runs it from an empty folder), so the runtime stage has no node_modules.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Type-checked build, then one bundled file: it starts in about half the time of hundreds of modules.
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
# Owned by root and read-only to the user the gateway runs as: a compromised process cannot rewrite its
# own code. The gateway writes nothing to disk (Node's compile cache goes to the temporary directory).
# The gateway and the import CLI (`node dist/oms-graph-import.mjs file.csv`), with their source maps.
COPY --from=build --chmod=444 /app/dist/*.mjs /app/dist/*.mjs.map ./dist/
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node receives SIGTERM directly (exec form, no shell), so the gateway drains before it exits.
# The gateway's live heap is small and steady (about 33 MB under load), but every request in flight at a
# scavenge promotes a little garbage, and V8 lets the old generation grow up to four times the live size
# before collecting it. Capped at twice the live size (--heap-growing-percent=100, a V8 flag Node accepts
# on its command line but not in NODE_OPTIONS), RSS after load is 165 MB instead of 175-185 MB at the same
# CPU per request, for a p99 of 22 instead of 18 ms (more frequent major GCs). Tighter caps cost more:
# at 30%, 150 MB but a p99 of 44 ms.
CMD ["node", "--enable-source-maps", "--heap-growing-percent=100", "dist/oms-graph.mjs"]
