import { WebSocket } from 'ws';
import type { Receipt } from '../../../core/contract/schemas';
import { signToken } from '../../../plugins/webchat/identity';
import { eventually, loopbackConfig } from '../../support';
import type { useGatewayTest } from '../../support/fixture';
import { uniquePrefix } from '../../support/nats-server';

/** The secret the test site signs its visitors' identities with. */
export const SITE_SECRET = 'site-secret-for-tests-0123456789';

/** A frame from the gateway, loosely typed for assertions. */
export type Frame = Record<string, unknown> & { type: string; id?: string; text?: string; message?: string; retry?: boolean };

/** What the embedding site does: signs its user id for the page (an HS256 JWT), valid for `ttlS`. */
export function siteIdentity(sub: string, extra: Record<string, unknown> = {}, ttlS = 600, secret = SITE_SECRET): string {
  return signToken({ sub, exp: Math.floor(Date.now() / 1000) + ttlS, ...extra }, secret);
}

/** Boots a gateway with one web chat entry (its YAML lines indented 4); signed identities unless `anonymous`. */
export async function bootWebchat(t: ReturnType<typeof useGatewayTest>, extra = '', opts: { anonymous?: boolean } = {}) {
  const entry = `  - use: webchat\n${opts.anonymous ? '' : `    identitySecret: ${SITE_SECRET}\n`}${extra}`;
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entry));
  const base = `${gw.gateway.http.url}/webchat/default`;
  return { gw, base, ws: base.replace(/^http/, 'ws') + '/ws' };
}

/** A browser tab as the page's script behaves: JSON frames over the socket; resolves once it is open (not yet greeted). */
export async function connect(
  t: ReturnType<typeof useGatewayTest>,
  url: string,
  identity?: string,
  headers: Record<string, string> = {},
  query = '',
) {
  const ws = new WebSocket(`${url}?${identity !== undefined ? `identity=${encodeURIComponent(identity)}` : ''}${query}`, { headers });
  t.defer(() => ws.terminate());
  const frames: Frame[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const of = (type: string) => frames.filter((f) => f.type === type);
  return {
    ws,
    frames,
    closed,
    of,
    raw: (f: object) => ws.send(JSON.stringify(f)),
    send: (id: string, text: string, files?: string[]) =>
      ws.send(JSON.stringify({ type: 'message', id, text, ...(files ? { files } : {}) })),
    click: (id: string, message: string, token: string) => ws.send(JSON.stringify({ type: 'click', id, message, token })),
    /** The first frame of `type` (matching `pred`), once it came. */
    next: async (type: string, pred: (f: Frame) => boolean = () => true) => {
      await eventually(() => frames.some((f) => f.type === type && pred(f)), `a ${type} frame`);
      return frames.find((f) => f.type === type && pred(f))!;
    },
  };
}

/** A tab of a visitor the site signed in as `visitor`, greeted by the gateway. */
export async function tab(
  t: ReturnType<typeof useGatewayTest>,
  url: string,
  visitor: string,
  headers: Record<string, string> = {},
  query = '',
) {
  const page = await connect(t, url, siteIdentity(visitor), headers, query);
  await page.next('hello');
  return page;
}

/** The receipt of envelope `id`, once it came. */
export async function receiptOf(gw: { receipts: { items: Receipt[] } }, id: string, timeoutMs = 10_000): Promise<Receipt> {
  await eventually(() => gw.receipts.items.some((r) => r.id === id), `the receipt of ${id}`, timeoutMs);
  return gw.receipts.items.find((r) => r.id === id)!;
}
