import { randomBytes } from 'node:crypto';
import { FeishuEmulator, type MessageEventInput } from '../emulators/feishu';
import type { GatewayTest } from './fixture';
import { loopbackConfig, pluginEntry, withDelivery } from './harness';
import { uniquePrefix } from './nats-server';

/** Long-connection settings that make the SDK reconnect at once in tests (Feishu's are minutes). */
export const FAST_RECONNECT = { ReconnectCount: -1, ReconnectInterval: 0.2, ReconnectNonce: 0, PingInterval: 120 };

/** A user and a chat in the shapes Feishu gives them (`ou_` and `oc_`, 32 hex digits after). */
export const USER = 'ou_7d8a6e6d0a1b2c3d4e5f60718293a4b5';
export const CHAT = 'oc_5ce6d5720a1b2c3d4e5f60718293a4b5';

export const ALLOW_ALL = '    allowFrom: ["*"]\n';

export async function startEmulator(): Promise<FeishuEmulator> {
  const emu = new FeishuEmulator({ clientConfig: FAST_RECONNECT, ackTimeoutMs: 3000 });
  await emu.start();
  return emu;
}

export type FeishuApp = ReturnType<typeof newApp>;

/** A fresh app on the emulator: credentials in the shape Feishu issues them. */
export function newApp(emu: FeishuEmulator, botName = 'Data Bot') {
  const appId = `cli_${randomBytes(8).toString('hex')}`;
  const appSecret = randomBytes(16).toString('hex');
  const info = emu.addApp({ appId, appSecret, botName });
  return { ...info, appSecret };
}

/** A gateway config with one Feishu entry pointed at the emulator (extra keys indented as entry keys). */
export function feishuConfig(
  natsUrl: string,
  prefix: string,
  emuUrl: string,
  app: { appId: string; appSecret: string },
  extra = '',
  account = 'default',
): string {
  return loopbackConfig(natsUrl, prefix, feishuEntry(emuUrl, app, extra, account));
}

/** One Feishu plugin entry (YAML) for `app` on the emulator. */
export function feishuEntry(emuUrl: string, app: { appId: string; appSecret: string }, extra = '', account = 'default'): string {
  return pluginEntry('feishu', { account, appId: app.appId, appSecret: app.appSecret, domain: emuUrl }, extra);
}

/**
 * A gateway with one Feishu entry (`extra`: entry keys) for a fresh app, on a prefix of its own, with
 * these `delivery` settings; resolves once the long connection is ready (`connect: false`: at once,
 * e.g. in webhook mode).
 */
export async function bootFeishu(
  t: GatewayTest<FeishuEmulator>,
  extra = ALLOW_ALL,
  opts: { connect?: boolean; delivery?: Record<string, string | number> } = {},
) {
  const app = newApp(t.emu);
  const gw = await t.boot(withDelivery(feishuConfig(t.nats.url, uniquePrefix(), t.emu.url, app, extra), opts.delivery ?? {}));
  if (opts.connect ?? true) await t.emu.waitForConnections(app.appId, 1);
  return { app, gw };
}

/** A text message event from `USER` in the direct chat `CHAT` unless `fields` say otherwise. */
export function textEvent(emu: FeishuEmulator, app: { appId: string }, text: string, fields: Partial<MessageEventInput> = {}) {
  return emu.message({
    appId: app.appId,
    chatId: CHAT,
    chatType: 'p2p',
    senderOpenId: USER,
    messageType: 'text',
    content: { text },
    ...fields,
  });
}

/** The id Feishu gave the message of an event. */
export function messageIdOf(event: { event: Record<string, unknown> }): string {
  return (event.event.message as { message_id: string }).message_id;
}
