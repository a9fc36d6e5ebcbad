import { WebSocket } from 'ws';
import { FeishuEmulator } from '../emulators/feishu';
import { SlackEmulator } from '../emulators/slack';
import { TelegramEmulator } from '../emulators/telegram';
import { eventually, loopbackConfig, pluginEntry } from '../support';
import { FAST_RECONNECT, feishuEntry, newApp } from '../support/feishu';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';

const t = useGatewayTest();
const feishu = new FeishuEmulator({ clientConfig: FAST_RECONNECT });
const slack = new SlackEmulator({ ackTimeoutMs: 1500, retryDelaysMs: [300, 1000, 2000] });
const telegram = new TelegramEmulator();
const emulators = [feishu, slack, telegram];

beforeAll(async () => {
  await Promise.all(emulators.map((e) => e.start()));
  t.defer(() => Promise.all(emulators.map((e) => e.stop())));
});

test('channels - feishu, slack, telegram and webchat side by side in one gateway each relay both ways', async () => {
  const fs = newApp(feishu);
  const sl = slack.addApp({ name: 'Data Bot' });
  const tom = slack.addUser({ name: 'tom', realName: 'Tom Li', displayName: 'Tom' });
  const dm = slack.dm(sl.appId, tom.id);
  const bot = telegram.addBot({ username: 'data_bot' });
  const entries =
    feishuEntry(feishu.url, fs) +
    pluginEntry('slack', { appToken: sl.appToken, botToken: sl.botToken, apiUrl: slack.apiUrl }) +
    pluginEntry('telegram', { token: bot.token, apiRoot: telegram.url }) +
    pluginEntry('webchat', {});
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entries));
  const { inbox, receipts } = gw;
  expect(gw.gateway.instances.map((i) => `${i.config.channel}:${i.state}`)).toEqual([
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
  const ws = new WebSocket(`${gw.gateway.http.url.replace('http', 'ws')}/webchat/default/ws?visitor=visitor-all-1`);
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'message', id: 'msg-all-0001', text: 'hi from the web' }));
  const items = await inbox.waitFor(4, 20_000);
  const byChannel = Object.fromEntries(items.map((e) => [e.channel, e]));
  expect(Object.keys(byChannel).sort()).toEqual(['feishu', 'slack', 'telegram', 'webchat']);
  for (const e of items) expect(e.message.text).toMatch(/^hi from /);

  // An answer back to each, through the same contract.
  for (const e of items) {
    gw.publish(`${e.channel}.${e.account}`, {
      id: `ans-${e.channel}`,
      conversation: { id: e.conversation.id },
      replyTo: e.message.id,
      text: `**hello** ${e.channel}`,
      format: 'markdown',
    });
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
}, 60_000);
