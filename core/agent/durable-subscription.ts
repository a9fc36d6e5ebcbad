import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { millis, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { HandlerRunner } from './handler-runner';
import type { AgentSubscription } from './types';

const ACK_WAIT_MS = 30_000;

/**
 * Creates the durable pull consumer on the inbound stream if it is missing and returns its ack wait.
 * An existing consumer must have the same filter: a durable's filter is its identity.
 */
async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filter: string,
  from: 'new' | 'all',
): Promise<number> {
  try {
    const info = await jsm.consumers.info(stream, durable);
    if (info.config.filter_subject !== filter) {
      throw new Error(
        `durable consumer "${durable}" on stream ${stream} exists with filter "${info.config.filter_subject ?? ''}", not "${filter}": use another durable name, or delete it (nats consumer rm ${stream} ${durable})`,
      );
    }
    return info.config.ack_wait ? millis(info.config.ack_wait) : ACK_WAIT_MS;
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === 10059) {
      throw new Error(
        `stream ${stream} does not exist: start the gateway first (it creates the stream), and check that the agent's prefix is the gateway's nats.prefix`,
      );
    }
    if (!(err instanceof JetStreamApiError && err.code === 10014)) throw err;
    await jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: filter,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: from === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
      ack_wait: nanos(ACK_WAIT_MS),
    });
    return ACK_WAIT_MS;
  }
}

/**
 * Consumes stored inbound envelopes from a durable consumer filtered on `<prefix>.ingest.<channel|*>.<account|*>`,
 * so messages that arrived while no agent ran are received too. Each message is acknowledged after its
 * handler resolved and delivered again after `redeliveryDelayMs` when it threw; while it waits or runs,
 * the client tells the server it is still working on it so it is not redelivered meanwhile.
 */
export async function subscribeDurable(
  nc: NatsConnection,
  stream: string,
  durable: string,
  filter: string,
  redeliveryDelayMs: number,
  runner: HandlerRunner,
  from: 'new' | 'all' = 'new',
): Promise<AgentSubscription> {
  const ackWaitMs = await ensureConsumer(await jetstreamManager(nc), stream, durable, filter, from);
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  const messages = await consumer.consume();
  let stopped = false;

  const accept = (m: JsMsg) => {
    const env = runner.decode(m.string(), m.subject, m.headers?.get('traceparent'));
    if (!env) {
      m.term('invalid inbound envelope');
      return;
    }
    if (!runner.wants(env)) {
      // Another kind than this consumer's handler takes (an event on a message consumer): nothing to do.
      m.ack();
      return;
    }
    const keepAlive = setInterval(() => m.working(), Math.max(ackWaitMs / 3, 100));
    runner.run(env, m.subject, {
      before: () => {
        if (!stopped) return true;
        clearInterval(keepAlive);
        m.nak();
        return false;
      },
      done: (err) => {
        clearInterval(keepAlive);
        if (err) m.nak(redeliveryDelayMs);
        else m.ack();
      },
    });
  };
  const loop = (async () => {
    for await (const m of messages) accept(m);
  })().catch((err: Error) => runner.onError(new Error(`durable consumer "${durable}" stopped: ${err.message}`), {}));

  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        await messages.close().catch(() => undefined);
        // The server must see the pull subscription gone before new messages arrive, or it may still
        // hand them to the dead pull request, where they would wait out the ack wait.
        await nc.flush().catch(() => undefined);
        await loop;
        await runner.idle();
      })()),
  };
}
