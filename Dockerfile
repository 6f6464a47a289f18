# syntax=docker/dockerfile:1
# One build for every Trellis process; docker-compose.yml picks a target per service:
#   migrate  applies database migrations, then exits
#   api      HTTP API on $API_PORT (4000)
#   worker   runs pipeline steps (includes python3 with Debian's scikit-learn and pandas for the examples)
#   web      the UI on $WEB_PORT (3000); proxies /api/v1/* to TRELLIS_API_URL
#
#   docker build --target api -t trellis-api .
#
# The web UI reads TRELLIS_API_URL when it starts (default http://api:4000, the api service
# of docker-compose.yml).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV NEXT_TELEMETRY_DISABLED=1 \
    npm_config_fund=false \
    npm_config_audit=false \
    npm_config_update_notifier=false
WORKDIR /app

# Just the package manifests: the `npm ci` layer below stays cached until they change.
FROM base AS manifests
COPY . /src
RUN mkdir /manifests \
 && cd /src \
 && find . -name node_modules -prune -o \( -name package.json -o -name package-lock.json \) -type f -print \
    | xargs -r cp --parents -t /manifests

FROM base AS build
COPY --from=manifests /manifests/ ./
# Install scripts stay off (as in package.json's allowScripts): `npm run build` generates the
# Prisma client itself, and Trellis uses no native Prisma engines.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

FROM base AS runtime
ENV NODE_ENV=production \
    TRELLIS_DATA_DIR=/data
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node

FROM runtime AS migrate
CMD ["node", "--experimental-wasm-modules", "--no-warnings=ExperimentalWarning", "scripts/migrate.mjs", "deploy"]

FROM runtime AS worker
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-sklearn python3-pandas \
 && rm -rf /var/lib/apt/lists/*
USER node
CMD ["node", "apps/worker/dist/main.js"]

FROM runtime AS web
ENV WEB_PORT=3000 \
    TRELLIS_API_URL=http://api:4000
WORKDIR /app/apps/web
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.WEB_PORT || 3000) + '/').then((r) => process.exit(r.status < 500 ? 0 : 1), () => process.exit(1))"]
CMD ["sh", "-c", "exec node /app/node_modules/next/dist/bin/next start -H 0.0.0.0 -p \"${WEB_PORT:-3000}\""]

# Last, so that a plain `docker build .` gives the API.
FROM runtime AS api
ENV API_PORT=4000 \
    API_HOST=0.0.0.0
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || 4000) + '/api/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "apps/api/dist/main.js"]
