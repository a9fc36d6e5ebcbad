# chat-gateway container: docker build -t chat-gateway .
# Run: docker run -e NATS_URL=nats://nats:4222 -v $PWD/config:/etc/chat-gateway:ro -p 127.0.0.1:8080:8080 chat-gateway
# With its NATS server and the echo agent: docker compose up -d (compose.yaml). SIGHUP (docker kill -s HUP) reloads the config.
# Node.js 22, an LTS line (README: supported versions); the build steps are the ones .ci/run runs.

FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY plugins ./plugins
# The echo agent only: compose.yaml runs it from this image (node dist/examples/echo-agent.js).
COPY examples/echo-agent.ts ./examples/echo-agent.ts
RUN npm run build

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    CHAT_GATEWAY_CONFIG=/etc/chat-gateway/gateway.yaml \
    HTTP_LISTEN=0.0.0.0:8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY config ./config
COPY config/gateway.yaml /etc/chat-gateway/gateway.yaml
# `chat-gateway status | reload | pair ...` inside the container (docker compose exec gateway chat-gateway status).
RUN ln -s /app/bin/chat-gateway.js /usr/local/bin/chat-gateway
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:8080/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "bin/chat-gateway.js"]
CMD ["start"]
