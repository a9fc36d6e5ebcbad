import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import type { Collector } from './collector';
import { newMarker } from './marker';

/**
 * Barriers prove that nothing more arrives: a marker is sent after the thing under test along the same
 * ordered path, and once the marker is out at the far end, whatever was sent before it is out too. A
 * fixed sleep instead would pass when a late duplicate arrives just after it.
 *
 * Markers are ordinary messages whose id and text start with `__barrier__`: collectors keep them out of
 * their items, and `withoutMarkers` takes them out of what a platform emulator recorded.
 */

/**
 * Outbound: publishes a marker envelope to `conversation` on `subject` (`<prefix>.out.<channel>.<account>`)
 * and resolves with its receipt as `receipts` saw it. Core delivers one conversation's envelopes one at
 * a time, in order, each ending in its receipt, so every envelope published to that conversation before
 * the marker has been delivered (or has failed) and its receipt is in `receipts`.
 */
export async function outboundBarrier(
  nc: NatsConnection,
  receipts: Collector<Receipt>,
  subject: string,
  conversation: string,
  timeoutMs = 20_000,
): Promise<Receipt> {
  const marker = newMarker();
  nc.publish(subject, JSON.stringify({ id: marker, conversation: { id: conversation }, text: marker }));
  return receipts.waitForMarker(marker, timeoutMs);
}

/**
 * Inbound: has the platform deliver a message with the marker as its text (`deliver`: the same
 * connection and account as the messages under test, after the platform got their acknowledgements)
 * and resolves with its envelope as `inbox` saw it. The gateway acknowledges a platform message only
 * once it is stored or dropped, and the inbound stream hands stored envelopes on in order, so every
 * message delivered before the marker is in `inbox` by then, or never will be.
 */
export async function inboundBarrier(
  inbox: Collector<InboundEnvelope>,
  deliver: (text: string) => unknown,
  timeoutMs = 20_000,
): Promise<InboundEnvelope> {
  const marker = newMarker();
  await deliver(marker);
  return inbox.waitForMarker(marker, timeoutMs);
}
