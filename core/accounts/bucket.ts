import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Subjects } from '../contract/subjects';
import { openKv, type Replication } from '../bus/replicas';

/** Opens (creating if needed) the accounts bucket: plugin entries by `<channel>.<account>`, kept until deleted. */
export function openAccountsBucket(nc: NatsConnection, s: Subjects, replication?: Replication): Promise<KV> {
  return openKv(nc, s.accountsBucket, { history: 1, description: 'chat-gateway plugin entries provisioned over NATS' }, replication);
}
