import { hundredFrames } from '../../support/streaming-cases';
import { discordRig } from './rig';

const { t, boot } = discordRig();

const EDIT = 'PATCH /channels/:id/messages/:id';
const POST = 'POST /channels/:id/messages';

hundredFrames('discord', 'one message edited a few times at the bucket pace', {
  boot,
  to: (r) => ({ conversation: { id: r.ws.channel } }),
  superseded: 90,
  calls: { of: (r) => r.calls(POST, EDIT), are: 'Discord calls', atMost: 6 },
  check: (r, { open, final, calls }) => {
    expect(calls[0]).toBe(POST);
    expect(calls.filter((c) => c === POST)).toHaveLength(1);
    expect(t.emu.rest.limits.refusals).toEqual([]);
    const [post] = r.posts();
    expect(r.posts()).toHaveLength(1);
    expect(open.messageIds).toEqual([`${r.ws.channel}:${post!.message.id}`]);
    expect(post!.message.content).toBe(final);
  },
  timeoutMs: 30_000,
});

test('discord streaming - edits faster than the bucket (5 per 5 s) wait for it by the rate-limit headers: no 429', async () => {
  const r = await boot({ extra: '    streamPaceMs: 200\n' });
  r.send({ id: 's2', conversation: { id: r.ws.dm }, stream: true, text: 'thinking' });
  await r.receipt('s2');
  for (let i = 1; i <= 8; i++) {
    r.send({ id: `s2.${i}`, edit: 's2', text: `step ${i}` });
    await r.receipt(`s2.${i}`);
  }
  r.send({ id: 's2.done', edit: 's2', done: true, text: 'all 8 steps' });
  await r.receipt('s2.done');
  const edits = t.emu.rest.requests.filter((q) => q.route === EDIT);
  expect(edits).toHaveLength(9);
  expect(t.emu.rest.limits.refusals).toEqual([]);
  // Five edits fit the bucket; the sixth waited for its reset.
  expect(edits[5]!.at - edits[0]!.at).toBeGreaterThanOrEqual(4900);
  expect(r.posts()[0]!.message.content).toBe('all 8 steps');
}, 30_000);

test('discord streaming - a stream that grows past 2,000 characters continues in a second message, kept with the stream (a delete takes both)', async () => {
  const r = await boot();
  r.send({ id: 's3', conversation: { id: r.ws.dm }, stream: true, text: '' });
  const a = 'a'.repeat(1500);
  const b = 'b'.repeat(1500);
  r.send({ id: 's3.1', edit: 's3', text: a, format: 'markdown' });
  await r.receipt('s3.1');
  r.send({ id: 's3.done', edit: 's3', done: true, text: `${a}\n\n${b}`, format: 'markdown' });
  const done = await r.receipt('s3.done');
  const posts = r.posts();
  expect(posts.map((p) => p.message.content)).toEqual([a, b]);
  // The receipts name the message the stream is; the channel keeps the second piece with it, so a delete takes both.
  expect(done.messageIds).toEqual((await r.receipt('s3')).messageIds);
  r.send({ id: 's3.delete', delete: 's3' });
  await r.receipt('s3.delete');
  expect(r.posts().map((p) => p.deleted)).toEqual([true, true]);
});

test('discord edit - a sent message is edited in place; a shorter text deletes the pieces it no longer needs', async () => {
  const r = await boot();
  r.send({ id: 'e1', conversation: { id: r.ws.dm }, text: `${'a'.repeat(1900)}\n\n${'b'.repeat(500)}`, format: 'markdown' });
  await r.receipt('e1');
  r.send({ id: 'e1.edit', edit: 'e1', text: 'short now' });
  expect(await r.receipt('e1.edit')).toMatchObject({ ok: true });
  expect(r.posts().map((p) => [p.message.content, p.deleted])).toEqual([
    ['short now', false],
    ['b'.repeat(500), true],
  ]);
});
