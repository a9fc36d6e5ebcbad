import { WebSocket } from 'ws';
import { DingTalkEmulator } from '../emulators/dingtalk';
import { DiscordEmulator } from '../emulators/discord';
import { FeishuEmulator } from '../emulators/feishu';
import { SlackEmulator } from '../emulators/slack';
import { TelegramEmulator } from '../emulators/telegram';
import { WeComEmulator } from '../emulators/wecom';
import { eventually, loopbackConfig, pluginEntry } from '../support';
import { FAST as DINGTALK_FAST, dingtalkEntry } from '../support/dingtalk';
import { FAST_RECONNECT, feishuEntry, newApp } from '../support/feishu';
import { useGatewayTest } from '../support/fixture';
import { uniquePrefix } from '../support/nats-server';
import { wecomEntry } from '../support/wecom';

const t = useGatewayTest();
const feishu = new FeishuEmulator({ clientConfig: FAST_RECONNECT });
const slack = new SlackEmulator({ ackTimeoutMs: 1500, retryDelaysMs: [300, 1000, 2000] });
const telegram = new TelegramEmulator();
const dingtalk = new DingTalkEmulator(DINGTALK_FAST);
const wecom = new WeComEmulator({ replyWindowMs: 1000 });
const discord = new DiscordEmulator({ heartbeatIntervalMs: 1000 });
const emulators = [feishu, slack, telegram, dingtalk, wecom, discord];

beforeAll(async () => {
  await Promise.all(emulators.map((e) => e.start()));
  t.defer(() => Promise.all(emulators.map((e) => e.stop())));
});

test('channels - feishu, slack, telegram, webchat, dingtalk, wecom and discord (all seven) side by side in one gateway each relay both ways', async () => {
  const fs = newApp(feishu);
  const sl = slack.addApp({ name: 'Data Bot' });
  const tom = slack.addUser({ name: 'tom', realName: 'Tom Li', displayName: 'Tom' });
  const dm = slack.dm(sl.appId, tom.id);
  const bot = telegram.addBot({ username: 'data_bot' });
  const dt = dingtalk.addApp({ name: 'Data Bot' });
  const dtTom = dingtalk.addUser({ nick: 'Tom' });
  const wc = wecom.addBot({ name: 'Data Bot' });
  const dc = discord.addApp({ name: 'Data Bot' });
  const dcTom = discord.addUser({ name: 'tom', displayName: 'Tom' });
  const dcDm = discord.dm(dc.appId, dcTom.id);
  const entries =
    feishuEntry(feishu.url, fs) +
    pluginEntry('slack', { appToken: sl.appToken, botToken: sl.botToken, apiUrl: slack.apiUrl }) +
    pluginEntry('telegram', { token: bot.token, apiRoot: telegram.url }) +
    pluginEntry('webchat', {}) +
    dingtalkEntry(dingtalk, { bot: dt }) +
    wecomEntry(wecom.wsUrl, wc) +
    pluginEntry('discord', { token: dc.token, apiUrl: discord.apiUrl });
  const gw = await t.boot(loopbackConfig(t.nats.url, uniquePrefix(), entries));
  const { inbox, receipts } = gw;
  expect(gw.gateway.instances.map((i) => `${i.config.channel}:${i.state}`)).toEqual([
    'feishu:started',
    'slack:started',
    'telegram:started',
    'webchat:started',
    'dingtalk:started',
    'wecom:started',
    'discord:started',
  ]);
  await dingtalk.waitForConnections(dt.clientId, 1);
  await wecom.waitForConnection(wc.botId);

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
  dingtalk.message({ robotCode: dt.robotCode, from: dtTom, text: 'hi from dingtalk' });
  void wecom.say({ botId: wc.botId, user: 'tom', text: 'hi from wecom' });
  discord.post({ channel: dcDm, user: dcTom.id, content: 'hi from discord' });
  const items = await inbox.waitFor(7, 20_000);
  const byChannel = Object.fromEntries(items.map((e) => [e.channel, e]));
  expect(Object.keys(byChannel).sort()).toEqual(['dingtalk', 'discord', 'feishu', 'slack', 'telegram', 'webchat', 'wecom']);
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
  await receipts.waitFor(7, 20_000);
  expect(receipts.items.map((r) => [r.channel, r.ok]).sort()).toEqual([
    ['dingtalk', true],
    ['discord', true],
    ['feishu', true],
    ['slack', true],
    ['telegram', true],
    ['webchat', true],
    ['wecom', true],
  ]);
  await eventually(
    () =>
      feishu.sent.length === 1 &&
      slack.posted.length === 1 &&
      telegram.sent.length === 1 &&
      dingtalk.sentTo(dtTom.staffId).some((m) => m.text === '**hello** dingtalk') &&
      discord.posted(dc.appId).length === 1 &&
      wecom.shown('tom').some((m) => m.kind === 'stream' && m.finished && m.content === '**hello** wecom'),
    'each platform got its answer',
  );
  ws.terminate();
}, 60_000);
