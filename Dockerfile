# syntax=docker/dockerfile:1
# The server image. Migrations are a separate one-shot command of the same image (`npm run db:migrate`: the compose
# service `migrate`, the Kubernetes Job in deploy/kubernetes), never part of the server's start.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# `npm ci` runs `prisma generate`, which loads prisma.config.ts and the driver file it imports.
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY src/prisma/pg-driver.ts ./src/prisma/pg-driver.ts
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# Set both when building a release: --build-arg VERSION=<package.json version> --build-arg SOURCE=<repository URL>.
ARG VERSION=0.1.0
ARG SOURCE=https://example.org/adaptive-testing-backend
LABEL org.opencontainers.image.title="adaptive-testing-backend" \
      org.opencontainers.image.description="Computerized adaptive testing (CAT) over REST: IRT item banks, adaptive exams, Postgres durability and a Redis hot layer." \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}"
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    CHECKPOINT_DISABLE=1
WORKDIR /app
# Owned by root and read-only to the server: it writes nothing to disk (a read-only root filesystem works).
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# What `npm run db:migrate` (prisma migrate deploy) loads: the config, the driver file it imports, the migrations.
COPY --from=build /app/prisma.config.ts ./
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/src/prisma/pg-driver.ts ./src/prisma/pg-driver.ts
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# The API, and /metrics on METRICS_PORT.
EXPOSE 3000 9464
# Liveness only (touches no dependency); readiness (/health/ready) is for the load balancer / Kubernetes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
