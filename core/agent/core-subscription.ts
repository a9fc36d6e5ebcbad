import type { NatsConnection } from '@nats-io/transport-node';
import type { HandlerRunner } from './handler-runner';
import type { AgentSubscription } from './types';

/**
 * A core subscription on `<prefix>.in.<channel|*>.<account|*>`: what the inbound stream republishes,
 * each stored envelope once. Resolves once the server has registered it.
 */
export async function subscribeCore(
  nc: NatsConnection,
  subject: string,
  queue: string | undefined,
  runner: HandlerRunner,
): Promise<AgentSubscription> {
  const sub = nc.subscribe(subject, {
    ...(queue ? { queue } : {}),
    callback: (err, msg) => {
      if (err) return;
      const env = runner.decode(msg.string(), msg.subject, msg.headers?.get('traceparent'));
      if (env && runner.wants(env)) runner.run(env, msg.subject);
    },
  });
  await nc.flush();
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        if (!sub.isClosed()) await sub.drain().catch(() => undefined);
        await runner.idle();
      })()),
  };
}
