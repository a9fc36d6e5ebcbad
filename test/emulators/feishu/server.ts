/** Builds the emulator's HTTP server: Open API routes plus the WebSocket upgrade of the long connection. */
import { createServer, type Server } from 'node:http';
import { registerCardRoutes } from './cardkit';
import type { ApiDeps } from './deps';
import { registerAuthRoutes } from './http-api';
import { createListener, Router } from './http-server';
import { registerMessageRoutes } from './message-api';
import { registerEditRoutes } from './message-edit-api';
import type { RequestLogEntry } from './types';
import type { WsGateway } from './ws-gateway';

/** A not yet listening server wired to `deps` and `gateway`; `onLog` receives every answered request. */
export function createEmulatorServer(
  deps: ApiDeps,
  gateway: WsGateway,
  onLog: (e: RequestLogEntry) => void,
  more: (router: Router) => void = () => undefined,
): Server {
  const router = new Router();
  registerAuthRoutes(router, deps);
  registerMessageRoutes(router, deps);
  registerCardRoutes(router, deps);
  registerEditRoutes(router, deps);
  more(router);
  const server = createServer(createListener(router, onLog));
  server.on('upgrade', (req, socket, head: Buffer) => gateway.handleUpgrade(req, socket, head));
  return server;
}
