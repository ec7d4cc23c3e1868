# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY src/prisma/pg-driver.ts ./src/prisma/pg-driver.ts
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# prisma.config.ts is loaded by the Prisma CLI for `migrate deploy` at start-up.
COPY --from=build /app/package.json /app/prisma.config.ts ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/src/prisma/pg-driver.ts ./src/prisma/pg-driver.ts
COPY --from=build /app/dist ./dist
USER node
# The API, and /metrics on METRICS_PORT.
EXPOSE 3000 9464
# Migrations first (idempotent, guarded by Prisma's advisory lock), then the server.
CMD ["sh", "-c", "npx prisma migrate deploy && exec node --enable-source-maps dist/main.js"]
