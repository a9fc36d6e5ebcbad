import { useGatewayTest, type Booted } from '../../support/fixture';
import { bootSlack } from '../../support/slack';

const t = useGatewayTest({ emulator: 'slack' });
let gw: Booted;
let ws: Awaited<ReturnType<typeof bootSlack>>;

async function boot(extra = '', scopes?: string[]) {
  ws = await bootSlack(t, `    allowFrom: ["*"]\n${extra}`, scopes);
  gw = ws.gw;
}

const send = (env: Record<string, unknown>) => gw.publish('slack.default', env);
const posts = () => t.emu.posted.filter((p) => p.appId === ws.app.appId);

test('slack outbound - plain text goes to the channel escaped, with mrkdwn off; the receipt has <channel>:<ts>', async () => {
  await boot();
  send({ id: 'p1', conversation: { id: ws.channel }, text: 'Q3 < Q4 & *not bold*' });
  const [r] = await gw.receipts.waitFor(1);
  expect(posts()).toHaveLength(1);
  const post = posts()[0]!;
  expect(post).toMatchObject({ channel: ws.channel, text: 'Q3 &lt; Q4 &amp; *not bold*', mrkdwn: false });
  expect(post.threadTs).toBeUndefined();
  expect(r).toMatchObject({ id: 'p1', ok: true, attempts: 1, messageIds: [`${ws.channel}:${post.ts}`] });
});

test('slack outbound - a reply goes in the thread of the message; a reply to a thread reply goes to its parent', async () => {
  await boot();
  const parent = t.emu.post({ channel: ws.channel, user: ws.tom.id, text: `<@${ws.app.botUserId}> numbers?` });
  const child = t.emu.post({ channel: ws.channel, user: ws.tom.id, text: `<@${ws.app.botUserId}> and last week?`, threadTs: parent.ts });
  await Promise.all([parent.deliveries, child.deliveries]);
  send({ id: 'r1', replyTo: `${ws.channel}:${parent.ts}`, text: '42' });
  send({ id: 'r2', conversation: { id: ws.channel }, replyTo: `${ws.channel}:${child.ts}`, text: '40' });
  await gw.receipts.waitFor(2);
  const byText = (text: string) => posts().find((p) => p.text === text)!;
  expect(byText('42')).toMatchObject({ channel: ws.channel, threadTs: parent.ts });
  expect(byText('40')).toMatchObject({ channel: ws.channel, threadTs: parent.ts, threadRoot: parent.ts });
  expect(t.emu.requests.filter((r) => r.method === 'conversations.replies')).toHaveLength(0);
});

test('slack outbound - after a restart, the thread parent of a reply is asked of conversations.replies', async () => {
  await boot();
  const parent = t.emu.post({ channel: ws.channel, user: ws.ann.id, text: 'not for the bot' });
  const child = t.emu.post({ channel: ws.channel, user: ws.ann.id, text: 'neither', threadTs: parent.ts });
  await Promise.all([parent.deliveries, child.deliveries]);
  await gw.restart();
  send({ id: 'late-1', replyTo: `${ws.channel}:${child.ts}`, text: 'chiming in' });
  await gw.receipts.waitFor(1);
  expect(posts()[0]).toMatchObject({ threadTs: parent.ts });
  expect(t.emu.requests.filter((r) => r.method === 'conversations.replies').map((r) => r.args)).toEqual([
    expect.objectContaining({ channel: ws.channel, ts: child.ts }),
  ]);
});

test('slack outbound - replyInThread false answers a top-level message in the channel, a threaded one in its thread', async () => {
  await boot('    replyInThread: false\n');
  const top = t.emu.post({ channel: ws.dm, user: ws.tom.id, text: 'hi' });
  const inThread = t.emu.post({ channel: ws.dm, user: ws.tom.id, text: 'more', threadTs: top.ts });
  await Promise.all([top.deliveries, inThread.deliveries]);
  send({ id: 'a', replyTo: `${ws.dm}:${top.ts}`, text: 'top answer' });
  send({ id: 'b', replyTo: `${ws.dm}:${inThread.ts}`, text: 'thread answer' });
  await gw.receipts.waitFor(2);
  expect(posts().find((p) => p.text === 'top answer')!.threadTs).toBeUndefined();
  expect(posts().find((p) => p.text === 'thread answer')!.threadTs).toBe(top.ts);
});

test('slack outbound - a user id opens a DM with conversations.open; a bare ts replyTo works with conversation.id', async () => {
  await boot();
  send({ id: 'u1', conversation: { id: ws.ann.id }, text: 'hello Ann' });
  const [r] = await gw.receipts.waitFor(1);
  const dm = t.emu.dm(ws.app.appId, ws.ann.id);
  expect(posts()[0]).toMatchObject({ channel: dm, text: 'hello Ann' });
  expect(r!.messageIds).toEqual([`${dm}:${posts()[0]!.ts}`]);
  send({ id: 'u2', conversation: { id: ws.ann.id }, replyTo: posts()[0]!.ts, text: 'in the thread' });
  await gw.receipts.waitFor(2);
  expect(posts()[1]).toMatchObject({ channel: dm, threadTs: posts()[0]!.ts });
  expect(t.emu.requests.filter((q) => q.method === 'conversations.open')).toHaveLength(1);
});

test('slack outbound - markdown becomes Slack mrkdwn', async () => {
  await boot();
  const md = [
    '# Weekly report',
    '**42** new customers, _up_ from *40*; ~~old~~ see [the dashboard](https://example.com/d?a=1&b=2).',
    '- first & second',
    '1. numbered',
    '> quoted <b>',
    '```sql',
    'select * from t where a < 2 and b = **x**',
    '```',
    '| a | b |',
    '|---|---|',
    '| 1 | 2 |',
  ].join('\n');
  send({ id: 'm1', conversation: { id: ws.channel }, text: md, format: 'markdown' });
  await gw.receipts.waitFor(1);
  expect(posts()[0]!.mrkdwn).toBe(true);
  expect(posts()[0]!.text).toBe(
    [
      '*Weekly report*',
      '*42* new customers, _up_ from _40_; ~old~ see <https://example.com/d?a=1&amp;b=2|the dashboard>.',
      '• first &amp; second',
      '1. numbered',
      '> quoted &lt;b&gt;',
      '```',
      'select * from t where a &lt; 2 and b = **x**',
      '```',
      '```',
      '| a | b |',
      '|---|---|',
      '| 1 | 2 |',
      '```',
    ].join('\n'),
  );
});

test('slack outbound - long text is split under 4,000 characters, never inside a code block', async () => {
  await boot();
  const para = (n: number) => `Paragraph ${n}: ${'lorem ipsum dolor sit amet '.repeat(40)}`;
  const code = ['```ts', ...Array.from({ length: 120 }, (_, i) => `const v${i} = ${i}; // a line of code`), '```'].join('\n');
  const text = [para(1), para(2), code, para(3), ...Array.from({ length: 8 }, (_, i) => para(i + 4))].join('\n\n');
  send({ id: 'long-1', conversation: { id: ws.channel }, text, format: 'markdown' });
  const [r] = await gw.receipts.waitFor(1, 15_000);
  const pieces = posts();
  expect(pieces.length).toBeGreaterThan(3);
  expect(r!.messageIds).toEqual(pieces.map((p) => `${ws.channel}:${p.ts}`));
  for (const p of pieces) {
    expect(p.text.length).toBeLessThanOrEqual(3900);
    expect((p.text.match(/```/g) ?? []).length % 2).toBe(0);
  }
  const all = pieces.map((p) => p.text).join('\n');
  for (let i = 0; i < 120; i++) expect(all).toContain(`const v${i} = ${i};`);
  expect(all).toContain('Paragraph 11:');
});

test('slack outbound - native Block Kit blocks pass through with their fallback text', async () => {
  await boot();
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* done' } }, { type: 'divider' }];
  send({ id: 'n1', conversation: { id: ws.channel }, native: { blocks, text: 'Deploy done' } });
  send({ id: 'n2', conversation: { id: ws.channel }, native: { blocks: [{ text: 'no type' }] } });
  const items = await gw.receipts.waitFor(2);
  expect(posts()).toHaveLength(1);
  expect(posts()[0]).toMatchObject({ text: 'Deploy done', blocks });
  expect(items.find((r) => r.id === 'n2')).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
  expect(items.find((r) => r.id === 'n2')!.error!.message).toContain('native.blocks');
});

test('slack outbound - a rate limit (HTTP 429, Retry-After) is retried after the wait and ends in an ok receipt', async () => {
  await boot();
  t.emu.failNext({ method: 'chat.postMessage', status: 429, retryAfter: 1 });
  const started = Date.now();
  send({ id: 'rl-1', conversation: { id: ws.channel }, text: 'eventually' });
  const [r] = await gw.receipts.waitFor(1, 10_000);
  expect(r).toMatchObject({ id: 'rl-1', ok: true, attempts: 2 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  expect(t.emu.requests.filter((q) => q.method === 'chat.postMessage').map((q) => q.httpStatus)).toEqual([429, 200]);
  expect(posts()).toHaveLength(1);
});

test('slack outbound - channel_not_found ends at once in a failed receipt with the Slack error as platformCode', async () => {
  await boot();
  send({ id: 'nf-1', conversation: { id: 'C0NOSUCHCH' }, text: 'hello?' });
  const [r] = await gw.receipts.waitFor(1);
  expect(r).toMatchObject({
    id: 'nf-1',
    ok: false,
    attempts: 1,
    error: { code: 'E_PLATFORM', platformCode: 'channel_not_found', retryable: false },
  });
  expect(r!.error!.message).toContain('invite the bot');
});

test('slack outbound - not_in_channel, a missing scope and a bad conversation id explain themselves', async () => {
  await boot('', ['chat:write', 'users:read', 'channels:history', 'im:history']);
  const other = t.emu.addChannel({ name: 'private-ish', members: [ws.tom.id] }).id;
  send({ id: 'e1', conversation: { id: other }, text: 'x' });
  send({ id: 'e2', conversation: { id: ws.ann.id }, text: 'x' });
  send({ id: 'e3', conversation: { id: 'oc_feishu' }, text: 'x' });
  const items = await gw.receipts.waitFor(3);
  const of = (id: string) => items.find((r) => r.id === id)!;
  expect(of('e1').error).toMatchObject({ platformCode: 'not_in_channel' });
  expect(of('e1').error!.message).toContain('/invite');
  expect(of('e2').error).toMatchObject({ platformCode: 'missing_scope' });
  expect(of('e2').error!.message).toContain('im:write');
  expect(of('e3')).toMatchObject({ attempts: 1, error: { code: 'E_SCHEMA' } });
  expect(of('e3').error!.message).toContain('not a Slack channel id');
});

test('slack outbound - a split message that fails part-way is resumed, not posted twice', async () => {
  await boot();
  const text = Array.from({ length: 3 }, (_, i) => `Part ${i + 1}: ${'word '.repeat(700)}`).join('\n\n');
  let calls = 0;
  t.emu.on('request', (q: { method: string }) => {
    if (q.method === 'chat.postMessage' && ++calls === 1) t.emu.failNext({ method: 'chat.postMessage', status: 503 });
  });
  send({ id: 'split-1', conversation: { id: ws.channel }, text });
  const [r] = await gw.receipts.waitFor(1, 10_000);
  expect(r).toMatchObject({ ok: true, attempts: 2 });
  expect(posts().map((p) => p.text.slice(0, 7))).toEqual(['Part 1:', 'Part 2:', 'Part 3:']);
  expect(r!.messageIds).toHaveLength(3);
});

test('slack outbound - an agent answers an inbound message through message.id and conversation.id', async () => {
  await boot();
  const inbox = gw.inbox;
  t.emu.post({ channel: ws.dm, user: ws.tom.id, text: 'ping' });
  const [env] = await inbox.waitFor(1);
  send({
    id: `echo-${env!.id}`.slice(0, 64),
    conversation: { id: env!.conversation.id },
    replyTo: env!.message.id,
    text: `you said: ${env!.message.text}`,
  });
  const [r] = await gw.receipts.waitFor(1);
  expect(r!.ok).toBe(true);
  expect(posts()[0]).toMatchObject({ channel: ws.dm, text: 'you said: ping', threadTs: env!.message.id.split(':')[1] });
});
