import { Registry, collectDefaultMetrics } from 'prom-client';

let registry: Registry | undefined;

/**
 * prom-client's default process and runtime series (CPU, memory, heap spaces, event-loop lag, GC,
 * handles, file descriptors, Node version) on a registry of their own. They describe the process, not
 * one gateway, and collecting them starts observers that never stop (GC, event-loop delay), so they are
 * set up once per process and shared by every gateway in it. Not prom-client's global registry.
 */
export function processRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
