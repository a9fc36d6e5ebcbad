import { createHash, randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { Objm } from '@nats-io/obj';
import { AgentClient } from '../../core/agent';
import type { Attachment, InboundAny, InboundEnvelope, MediaReply } from '../../core/contract/schemas';
import { eventually } from './harness';
import type { Collector } from './collector';
import type { GatewayTest } from './fixture';

/** The digest as NATS Object Store writes it: base64url with its padding. */
export const digest = (b: Buffer): string =>
  `SHA-256=${createHash('sha256').update(b).digest('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;

/** What the reply for a fetched file says of it besides its size and digest: the object's name (a pattern), the mime and the file's name. */
export interface FetchedAs {
  object: RegExp;
  mime: string;
  name?: string;
}

/** A gateway as media tests know it: a rig's run or a `Booted`, both on their prefix. */
interface OnPrefix {
  prefix: string;
}

/**
 * The media of plugin instance `target` (`slack.default`) in the gateways of a test file: its media service,
 * the bucket it fills, and agent clients that send files (closed after the test).
 */
export function mediaOf(t: Pick<GatewayTest<unknown>, 'nats' | 'nc' | 'defer'>, target: string) {
  const bucket = (gw: OnPrefix) => new Objm(t.nc).open(`${gw.prefix}_media`);
  const ask = async (gw: OnPrefix, payload: Record<string, unknown>): Promise<MediaReply> => {
    const m = await t.nc.request(`${gw.prefix}.media.${target}`, JSON.stringify(payload), { timeout: 15_000 });
    return m.json<MediaReply>();
  };
  const stored = async (gw: OnPrefix, reply: MediaReply): Promise<Buffer> => {
    if (!reply.ok) throw new Error(`the media service refused: ${reply.error.message}`);
    const blob = await (await bucket(gw)).getBlob(reply.object);
    if (!blob) throw new Error(`no object ${reply.object} in the bucket`);
    return Buffer.from(blob);
  };
  return {
    /** Asks the media service for a file of a message, as an agent does. */
    ask,
    /** The bytes of the object a reply names, as the bucket holds them. */
    stored,
    /** Asks for a file of a message: the reply names an object of exactly `bytes`, as `as` says, and the bucket holds those bytes. */
    async expectFetched(gw: OnPrefix, payload: Record<string, unknown>, bytes: Buffer, as: FetchedAs): Promise<void> {
      const reply = await ask(gw, payload);
      expect(reply).toEqual({
        ok: true,
        object: expect.stringMatching(as.object),
        size: bytes.length,
        mime: as.mime,
        digest: digest(bytes),
        ...(as.name === undefined ? {} : { name: as.name }),
      });
      expect((await stored(gw, reply)).equals(bytes)).toBe(true);
    },
    /** The names of the objects in the bucket. */
    async objects(gw: OnPrefix): Promise<string[]> {
      const names: string[] = [];
      for await (const info of await (await bucket(gw)).list()) names.push(info.name);
      return names;
    },
    /** An agent client on the gateway's prefix, closed after the test. */
    async agent(gw: OnPrefix): Promise<AgentClient> {
      const agent = await AgentClient.connect({ servers: t.nats.url, prefix: gw.prefix, receiptTimeoutMs: 15_000 });
      t.defer(() => agent.close());
      return agent;
    },
  };
}

/** What an agent answers with in the outbound media tests: a CSV result and a PNG chart, uploaded. */
export async function csvAndChart(agent: AgentClient, csvSize = 200_000): Promise<{ csv: Buffer; png: Buffer; attachments: Attachment[] }> {
  const csv = randomBytes(csvSize);
  const png = randomBytes(30_000);
  const a = await agent.upload(csv, { name: 'result.csv', mime: 'text/csv' });
  const b = await agent.upload(png, { name: 'chart.png', mime: 'image/png', kind: 'image' });
  return { csv, png, attachments: [a, b] };
}

/** The first message in `inbox` (not an event), once it came: the message with files that a test had a person send. */
export async function firstMessage(inbox: Collector<InboundAny>, what: string): Promise<InboundEnvelope> {
  await eventually(() => inbox.items.some((e) => e.kind === 'message'), what);
  return inbox.items.find((e): e is InboundEnvelope => e.kind === 'message')!;
}
