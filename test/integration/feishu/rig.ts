import type { Receipt } from '../../../core/contract/schemas';
import type { FeishuEmulator } from '../../emulators/feishu';
import { eventually } from '../../support';
import { ALLOW_ALL, bootFeishu, messageIdOf, textEvent, type FeishuApp } from '../../support/feishu';
import { useGatewayTest, type Booted } from '../../support/fixture';

/** The CardKit and edit APIs, as the emulator names them in its request log. */
export const CARD_APIS = ['cardCreate', 'cardContent', 'cardSettings', 'cardUpdate'];

/** One test's Feishu world for streams and edits: the emulator, an app, a gateway on it. */
export interface FeishuRun {
  emu: FeishuEmulator;
  app: FeishuApp;
  gw: Booted;
  send(env: Record<string, unknown>): void;
  /** The receipt of envelope `id`, once it came. */
  receipt(id: string, timeoutMs?: number): Promise<Receipt>;
  /** A user's message in a group chat that the bot can answer. */
  ask(text?: string): string;
  /** The APIs of the app's requests, in order (only `apis`, when given). */
  calls(...apis: string[]): string[];
}

/** The fixture for the Feishu 1.2 tests; `boot` gives a gateway on a fresh app (entry keys in `extra`). */
export function feishuRig() {
  const t = useGatewayTest({ emulator: 'feishu' });
  const boot = async (extra = ''): Promise<FeishuRun> => {
    const { app, gw } = await bootFeishu(t, `${ALLOW_ALL}${extra}`);
    const emu = t.emu;
    const receipt = async (id: string, timeoutMs = 15_000) => {
      await eventually(() => gw.receipts.items.some((r) => r.id === id), `the receipt of ${id}`, timeoutMs);
      return gw.receipts.items.find((r) => r.id === id)!;
    };
    return {
      emu,
      app,
      gw,
      send: (env) => void gw.publish('feishu.default', env),
      receipt,
      ask: (text = 'how many customers?') => messageIdOf(textEvent(emu, app, text, { chatType: 'group' })),
      calls: (...apis) =>
        emu.requests.filter((r) => r.appId === app.appId && r.api && (!apis.length || apis.includes(r.api))).map((r) => r.api!),
    };
  };
  return { t, boot };
}
