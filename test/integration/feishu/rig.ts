import type { FeishuEmulator } from '../../emulators/feishu';
import { feishuEntry, messageIdOf, newApp, textEvent, type FeishuApp } from '../../support/feishu';
import { useGatewayTest } from '../../support/fixture';
import { rigBoot, type RigRun } from '../../support/rig';

/** The CardKit and edit APIs, as the emulator names them in its request log. */
export const CARD_APIS = ['cardCreate', 'cardContent', 'cardSettings', 'cardUpdate'];

/** One test's Feishu world for streams and edits: the emulator, an app, a gateway on it. */
export interface FeishuRun extends RigRun<FeishuEmulator> {
  app: FeishuApp;
  /** A user's message in a group chat that the bot can answer. */
  ask(text?: string): string;
  /** The APIs of the app's requests, in order (only `apis`, when given). */
  calls(...apis: string[]): string[];
}

/** The fixture for the Feishu 1.2 tests; `boot` gives a gateway on a fresh app (entry keys in `extra`). */
export function feishuRig() {
  const t = useGatewayTest({ emulator: 'feishu' });
  const start = rigBoot(t, {
    channel: 'feishu',
    world: (emu) => newApp(emu),
    entry: (emu, app, extra) => feishuEntry(emu.url, app, extra),
    connected: (emu, app) => emu.waitForConnections(app.appId, 1),
    extend: (emu, app) => ({
      app,
      ask: (text = 'how many customers?') => messageIdOf(textEvent(emu, app, text, { chatType: 'group' })),
      calls: (...apis: string[]) =>
        emu.requests.filter((r) => r.appId === app.appId && r.api && (!apis.length || apis.includes(r.api))).map((r) => r.api!),
    }),
  });
  const boot = (extra = ''): Promise<FeishuRun> => start({ extra });
  return { t, boot };
}
