import { discordRig } from './rig';

const { t, boot } = discordRig();

/** What Discord shows for content the channel escaped (plain text): the characters without their backslashes. */
const shown = (s: string) => s.replace(/\\([\\*_~`|>#.\-[\]()])/g, '$1');

test('discord outbound - a message by conversation.id and one by replyTo: content, nonce, reference and receipt ids', async () => {
  const r = await boot();
  const asked = t.emu.post({ channel: r.ws.channel, user: r.ws.tom.id, content: `<@${r.ws.app.botUserId}> totals?` });
  r.send({ id: 'out-1', conversation: { id: r.ws.dm }, text: 'hello Tom' });
  r.send({ id: 'out-2', replyTo: `${r.ws.channel}:${asked.id}`, text: '**42** new customers', format: 'markdown' });
  const [a, b] = [await r.receipt('out-1'), await r.receipt('out-2')];
  const [p1, p2] = r.posts();
  expect(a).toMatchObject({ ok: true, attempts: 1, messageIds: [`${r.ws.dm}:${p1!.message.id}`] });
  expect(b).toMatchObject({ ok: true, attempts: 1, messageIds: [`${r.ws.channel}:${p2!.message.id}`] });
  expect(p1!.message).toMatchObject({ channel_id: r.ws.dm, content: 'hello Tom', nonce: 'out-1', type: 0 });
  expect(p2!.message).toMatchObject({
    channel_id: r.ws.channel,
    content: '**42** new customers',
    nonce: 'out-2',
    type: 19,
    message_reference: { message_id: asked.id, channel_id: r.ws.channel },
  });
});

test('discord outbound - plain text is escaped so markdown characters show as written; markdown goes as it is', async () => {
  const r = await boot();
  r.send({ id: 'plain-1', conversation: { id: r.ws.dm }, text: 'a *b* __c__ `d`' });
  r.send({ id: 'md-1', conversation: { id: r.ws.dm }, text: 'a *b* __c__ `d`', format: 'markdown' });
  await r.receipt('plain-1');
  await r.receipt('md-1');
  const [plain, md] = r.posts().map((p) => p.message.content);
  expect(plain).toBe('a \\*b\\* \\_\\_c\\_\\_ \\`d\\`');
  expect(shown(plain!)).toBe('a *b* __c__ `d`');
  expect(md).toBe('a *b* __c__ `d`');
});

test('discord outbound - a long text is split into messages of at most 2,000 characters, in order, each with its own nonce', async () => {
  const r = await boot();
  const text = Array.from({ length: 90 }, (_, i) => `Line ${i} ${'x'.repeat(40)}`).join('\n');
  r.send({ id: 'long-1', conversation: { id: r.ws.channel }, text, format: 'markdown' });
  const receipt = await r.receipt('long-1');
  const posts = r.posts();
  expect(posts.length).toBe(Math.ceil(text.length / 2000));
  expect(posts.every((p) => p.message.content.length <= 2000)).toBe(true);
  expect(posts.map((p) => p.message.content).join('\n')).toBe(text);
  expect(new Set(posts.map((p) => p.message.nonce)).size).toBe(posts.length);
  expect(receipt.messageIds).toEqual(posts.map((p) => `${r.ws.channel}:${p.message.id}`));
});

test('discord outbound - an answer lost after Discord posted: the retry with the same nonce gets that message, nothing posted twice', async () => {
  const r = await boot();
  t.emu.failNext({ route: 'POST /channels/:id/messages', lostAnswer: true });
  r.send({ id: 'lost-1', conversation: { id: r.ws.dm }, text: 'exactly once' });
  const receipt = await r.receipt('lost-1');
  expect(r.calls('POST /channels/:id/messages')).toHaveLength(2);
  expect(r.posts().map((p) => p.message.content)).toEqual(['exactly once']);
  expect(receipt).toMatchObject({ ok: true, attempts: 2, messageIds: [`${r.ws.dm}:${r.posts()[0]!.message.id}`] });
});

test('discord outbound - a split message failing at its second piece resumes: every piece once', async () => {
  const r = await boot();
  const text = `${'a'.repeat(1500)}\n\n${'b'.repeat(1500)}\n\n${'c'.repeat(1500)}`;
  t.emu.failNext({ route: 'POST /channels/:id/messages', skip: 1, status: 502, message: 'Bad Gateway' });
  r.send({ id: 'split-1', conversation: { id: r.ws.dm }, text });
  const receipt = await r.receipt('split-1');
  expect(receipt).toMatchObject({ ok: true, attempts: 2 });
  expect(r.posts().map((p) => p.message.content[0])).toEqual(['a', 'b', 'c']);
  expect(receipt.messageIds).toHaveLength(3);
});

test("discord outbound - 429: retried after Discord's retry_after, delivered once", async () => {
  const r = await boot();
  t.emu.failNext({ route: 'POST /channels/:id/messages', status: 429, retryAfter: 1.2 });
  r.send({ id: 'limited-1', conversation: { id: r.ws.dm }, text: 'after the wait' });
  const receipt = await r.receipt('limited-1');
  expect(receipt).toMatchObject({ ok: true, attempts: 2 });
  const [first, second] = t.emu.rest.requests.filter((q) => q.route === 'POST /channels/:id/messages');
  // Retry-After is whole seconds (2 for 1.2 s): the retry waits for it.
  expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
  expect(r.posts()).toHaveLength(1);
});

test('discord outbound - refusals end in one failed receipt with the Discord code: no access (50001), unknown channel (10003)', async () => {
  const r = await boot();
  const elsewhere = t.emu.addGuild({ name: 'Other', apps: [], members: [r.ws.tom.id] }).channels[0]!;
  r.send({ id: 'no-access', conversation: { id: elsewhere }, text: 'hi' });
  r.send({ id: 'no-channel', conversation: { id: '112233445566778899' }, text: 'hi' });
  r.send({ id: 'bad-id', conversation: { id: 'general' }, text: 'hi' });
  expect(await r.receipt('no-access')).toMatchObject({
    ok: false,
    attempts: 1,
    error: { code: 'E_PLATFORM', platformCode: 50001, retryable: false },
  });
  expect((await r.receipt('no-access')).error!.message).toContain('invite it to the server');
  expect(await r.receipt('no-channel')).toMatchObject({ ok: false, error: { code: 'E_PLATFORM', platformCode: 10003 } });
  expect(await r.receipt('bad-id')).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
  expect(r.posts()).toEqual([]);
});

test('discord outbound - typing: POST /channels/:id/typing until the next message', async () => {
  const r = await boot();
  r.send({ id: 'typing-1', conversation: { id: r.ws.dm }, typing: true });
  await r.receipt('typing-1');
  expect(t.emu.typing.map((x) => x.channel)).toEqual([r.ws.dm]);
  r.send({ id: 'after-typing', conversation: { id: r.ws.dm }, text: 'done thinking' });
  expect(await r.receipt('after-typing')).toMatchObject({ ok: true });
});

test('discord outbound - reactions: a neutral name becomes the unicode emoji, removed again; an unknown name is E_UNSUPPORTED', async () => {
  const r = await boot();
  const m = t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: 'nice work' });
  const messageId = `${r.ws.dm}:${m.id}`;
  r.send({ id: 'react-1', react: { messageId, emoji: 'thumbsup' } });
  await r.receipt('react-1');
  expect(t.emu.message(m.id)!.reactions).toEqual([{ emoji: { id: null, name: '👍' }, count: 0, me: false, users: [r.ws.app.botUserId] }]);
  r.send({ id: 'react-2', react: { messageId, emoji: 'thumbsup', remove: true } });
  await r.receipt('react-2');
  expect(t.emu.message(m.id)!.reactions).toEqual([]);
  r.send({ id: 'react-3', react: { messageId, emoji: 'party_parrot' } });
  const bad = await r.receipt('react-3');
  expect(bad).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
  expect(bad.error!.message).toContain('thumbsup');
  expect(
    r.calls('PUT /channels/:id/messages/:id/reactions/:emoji/@me', 'DELETE /channels/:id/messages/:id/reactions/:emoji/@me'),
  ).toHaveLength(2);
});

test('discord outbound - delete recalls every piece of a message', async () => {
  const r = await boot();
  r.send({ id: 'gone-1', conversation: { id: r.ws.dm }, text: `${'a'.repeat(1900)}\n\n${'b'.repeat(500)}` });
  await r.receipt('gone-1');
  r.send({ id: 'gone-2', delete: 'gone-1' });
  expect(await r.receipt('gone-2')).toMatchObject({ ok: true });
  expect(r.posts().map((p) => p.deleted)).toEqual([true, true]);
});
