import type { NatsConnection } from '@nats-io/transport-node';
import { reportError, type Io } from './io';
import { connectOps, type OpsConfig } from './ops-config';

/**
 * Runs an operator command against the config's NATS: connects, runs `command`, closes; a gateway
 * error (NATS unreachable, refused) is printed with its code and hint and exits 1.
 */
export async function withNats(cfg: OpsConfig, io: Io, command: (nc: NatsConnection) => Promise<number>): Promise<number> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connectOps(cfg.nats);
    return await command(nc);
  } catch (err) {
    if (reportError(err, io)) return 1;
    throw err;
  } finally {
    await nc?.close();
  }
}
