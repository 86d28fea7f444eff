FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY tsconfig.json ./
COPY migrations ./migrations
COPY src ./src
EXPOSE 8080
CMD ["npx", "tsx", "src/main.ts"]
