# syntax=docker/dockerfile:1
# Build: compile TypeScript and better-sqlite3's native addon; bundle the dashboard (ui/ -> dist/ui).
FROM node:22-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the prepare script, which builds once src/ is there (the RUN below).
COPY scripts/build.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY ui ./ui
RUN npm run build && npm prune --omit=dev

# Run: only the compiled service, its production dependencies and the migrations.
# Listening on 0.0.0.0, the service refuses to start until it can authenticate: make the first
# key in the volume (docker run --rm -v lrsched-data:/data lrsched node dist/cli/keys.js create
# --project default --role admin), or pass LRSCHED_ADMIN_KEY (-e, from a secret store).
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_PATH=/data/lrsched.db \
    LOG_LEVEL=info
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Started directly (not through npm) so SIGTERM reaches the server and it shuts down gracefully;
# with npm start's node flags (a young generation of 32 MiB semi-spaces: see the README's
# "Durable steps at speed").
CMD ["node", "--max-semi-space-size=32", "dist/server.js"]
