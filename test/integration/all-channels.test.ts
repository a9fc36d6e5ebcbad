import type { NatsConnection } from '@nats-io/transport-node';
import { WebSocket } from 'ws';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import { FeishuEmulator } from '../emulators/feishu';
import { SlackEmulator } from '../emulators/slack';
import { TelegramEmulator } from '../emulators/telegram';
import { Collector, client, eventually, loopbackConfig, startGateway, type Started } from '../support';
import { FAST_RECONNECT, newApp } from '../support/feishu';
import { startNats, uniquePrefix, type TestNats } from '../support/nats-server';

let nats: TestNats;
let nc: NatsConnection;
let run: Started | undefined;
const feishu = new FeishuEmulator({ clientConfig: FAST_RECONNECT });
const slack = new SlackEmulator({ ackTimeoutMs: 1500, retryDelaysMs: [300, 1000, 2000] });
const telegram = new TelegramEmulator();

beforeAll(async () => {
  nats = await startNats();
  nc = await client(nats.url);
  await Promise.all([feishu.start(), slack.start(), telegram.start()]);
});
afterAll(async () => {
  await run?.gateway.stop();
  await Promise.all([feishu.stop(), slack.stop(), telegram.stop()]);
  await nc.close();
  await nats.close();
});

test('channels - feishu, slack, telegram and webchat side by side in one gateway each relay both ways', async () => {
  const fs = newApp(feishu);
  const sl = slack.addApp({ name: 'Data Bot' });
  const tom = slack.addUser({ name: 'tom', realName: 'Tom Li', displayName: 'Tom' });
  const dm = slack.dm(sl.appId, tom.id);
  const bot = telegram.addBot({ username: 'data_bot' });
  const prefix = uniquePrefix();
  const inbox = new Collector<InboundEnvelope>(nc, `${prefix}.in.>`);
  const receipts = new Collector<Receipt>(nc, `${prefix}.receipt.>`);
  await nc.flush();
  run = await startGateway(
    loopbackConfig(
      nats.url,
      prefix,
      `  - use: feishu
    appId: ${fs.appId}
    appSecret: ${fs.appSecret}
    domain: ${feishu.url}
  - use: slack
    appToken: ${sl.appToken}
    botToken: ${sl.botToken}
    apiUrl: ${slack.apiUrl}
  - use: telegram
    token: ${bot.token}
    apiRoot: ${telegram.url}
  - use: webchat
`,
    ),
  );
  expect(run.gateway.instances.map((i) => `${i.config.channel}:${i.state}`)).toEqual([
    'feishu:started',
    'slack:started',
    'telegram:started',
    'webchat:started',
  ]);

  // One message in from each platform.
  await feishu.pushEvent(
    fs.appId,
    feishu.message({
      appId: fs.appId,
      chatId: 'oc_feishu',
      chatType: 'p2p',
      senderOpenId: 'ou_tom',
      messageType: 'text',
      content: { text: 'hi from feishu' },
    }),
  );
  slack.post({ channel: dm, user: tom.id, text: 'hi from slack' });
  const tgUser = telegram.user({ firstName: 'Tom' });
  telegram.userMessage(bot, { chat: telegram.privateChat(bot, tgUser), from: tgUser, text: 'hi from telegram' });
  const ws = new WebSocket(`${run.gateway.http.url.replace('http', 'ws')}/webchat/default/ws?visitor=visitor-all-1`);
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'message', id: 'msg-all-0001', text: 'hi from the web' }));
  const items = await inbox.waitFor(4, 20_000);
  const byChannel = Object.fromEntries(items.map((e) => [e.channel, e]));
  expect(Object.keys(byChannel).sort()).toEqual(['feishu', 'slack', 'telegram', 'webchat']);
  for (const e of items) expect(e.message.text).toMatch(/^hi from /);

  // An answer back to each, through the same contract.
  for (const e of items) {
    nc.publish(
      `${prefix}.out.${e.channel}.${e.account}`,
      JSON.stringify({
        id: `ans-${e.channel}`,
        conversation: { id: e.conversation.id },
        replyTo: e.message.id,
        text: `**hello** ${e.channel}`,
        format: 'markdown',
      }),
    );
  }
  await receipts.waitFor(4, 20_000);
  expect(receipts.items.map((r) => [r.channel, r.ok]).sort()).toEqual([
    ['feishu', true],
    ['slack', true],
    ['telegram', true],
    ['webchat', true],
  ]);
  await eventually(
    () => feishu.sent.length === 1 && slack.posted.length === 1 && telegram.sent.length === 1,
    'each platform got its answer',
  );
  ws.terminate();
  inbox.close();
  receipts.close();
}, 60_000);
