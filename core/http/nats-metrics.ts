import type { NatsConnection } from '@nats-io/transport-node';
import type { Metrics } from './metrics';

/** Keeps the NATS connection series up to date: connected 1/0, disconnects and reconnects counted. */
export function watchNatsMetrics(nc: NatsConnection, metrics: Metrics): void {
  const { natsConnected, natsDisconnects, natsReconnects } = metrics;
  natsConnected.set(nc.isClosed() ? 0 : 1);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        natsConnected.set(0);
        natsDisconnects.inc();
      } else if (s.type === 'reconnect') {
        natsConnected.set(1);
        natsReconnects.inc();
      }
    }
  })().catch(() => undefined);
  void nc.closed().then(() => natsConnected.set(0));
}
