import { markdownToMrkdwn } from '../../../plugins/slack/mrkdwn';
import { hundredFrames, snapshot } from '../../support/streaming-cases';
import { slackRig, type BootOptions, type SlackRun } from './rig';

const { boot } = slackRig();

const STREAM_CALLS = ['chat.startStream', 'chat.appendStream', 'chat.stopStream', 'chat.update', 'chat.postMessage'];

/** A person asks the bot in the channel; resolves the asked message's ts once the gateway stored it. */
async function ask(r: SlackRun, text = 'how many customers?') {
  const sent = r.emu.post({ channel: r.ws.channel, user: r.ws.tom.id, text: `<@${r.ws.app.botUserId}> ${text}` });
  await sent.deliveries;
  return sent.ts;
}

/** Boots, and opens stream `id` with `text` in the thread of a person's question; resolves once its receipt came. */
async function openInThread(id: string, text: string, options?: BootOptions): Promise<SlackRun> {
  const r = await boot(options);
  const asked = await ask(r);
  r.send({ id, replyTo: `${r.ws.channel}:${asked}`, stream: true, text });
  await r.receipt(id);
  return r;
}

hundredFrames('slack', 'a handful of stream calls in the thread', {
  boot,
  to: async (r) => ({ conversation: { id: r.ws.channel }, replyTo: `${r.ws.channel}:${await ask(r)}` }),
  superseded: 90,
  calls: { of: (r) => r.calls(...STREAM_CALLS), are: 'Slack calls', atMost: 6 },
  check: (r, { to, open, final, calls }) => {
    expect(calls[0]).toBe('chat.startStream');
    expect(calls.at(-1)).toBe('chat.stopStream');
    expect(r.posts()).toHaveLength(1);
    const post = r.posts()[0]!;
    // The stream went in the thread of the question it answers.
    expect(post).toMatchObject({ via: 'chat.startStream', channel: r.ws.channel });
    expect(`${post.channel}:${post.threadRoot}`).toBe(to.replyTo);
    expect(post.args).toMatchObject({ recipient_user_id: r.ws.tom.id, recipient_team_id: r.ws.app.teamId });
    expect(open.messageIds).toEqual([`${r.ws.channel}:${post.ts}`]);
    const m = r.emu.message(r.ws.channel, post.ts)!;
    expect(m.text).toBe(final);
    expect(m.stream!.state).toBe('stopped');
    // Each append carried only what was new: together they are exactly the final text.
    const appended = r.emu.requests
      .filter((q) => q.method.startsWith('chat.') && q.method.endsWith('Stream'))
      .map((q) => String(q.args.markdown_text ?? ''));
    expect(appended.join('')).toBe(final);
  },
  timeoutMs: 30_000,
});

test('slack streaming - a stream keeps its place among the other messages of the conversation', async () => {
  const r = await boot();
  const asked = await ask(r);
  const replyTo = `${r.ws.channel}:${asked}`;
  r.send({ id: 'before', replyTo, text: 'one moment' });
  r.send({ id: 'o1', replyTo, stream: true, text: 'Counting' });
  r.send({ id: 'o1.1', edit: 'o1', text: 'Counting… 40' });
  r.send({ id: 'o1.2', edit: 'o1', done: true, text: 'Counting… 42 in all' });
  r.send({ id: 'after', replyTo, text: 'anything else?' });
  await r.receipt('after');
  expect(r.posts().map((p) => r.emu.message(p.channel, p.ts)!.text)).toEqual(['one moment', 'Counting… 42 in all', 'anything else?']);
  const order = r.calls('chat.postMessage', 'chat.startStream', 'chat.stopStream');
  expect(order).toEqual(['chat.postMessage', 'chat.startStream', 'chat.stopStream', 'chat.postMessage']);
});

test('slack streaming - with no message answered there is no thread to stream in: one message edited with chat.update', async () => {
  const r = await boot();
  r.send({ id: 'n1', conversation: { id: r.ws.dm }, stream: true, text: '' });
  for (let i = 1; i <= 5; i++) r.send({ id: `n1.${i}`, edit: 'n1', text: snapshot(i * 10) });
  r.send({ id: 'n1.done', edit: 'n1', done: true, text: 'All **done**', format: 'markdown' });
  await r.receipt('n1.done');
  expect(r.posts()).toHaveLength(1);
  const post = r.posts()[0]!;
  expect(post).toMatchObject({ via: 'chat.postMessage', text: '…' });
  expect(post.threadTs).toBeUndefined();
  expect(r.calls('chat.startStream')).toEqual([]);
  expect(r.calls('chat.update').length).toBeGreaterThanOrEqual(1);
  expect(r.emu.message(r.ws.dm, post.ts)!.text).toBe('All *done*');
});

test('slack streaming - a frame that rewrites the text stops the stream; the message is edited from then on', async () => {
  const r = await openInThread('w1', 'Thinking…');
  r.send({ id: 'w1.1', edit: 'w1', text: 'The answer is' });
  await r.receipt('w1.1');
  r.send({ id: 'w1.2', edit: 'w1', done: true, text: 'The answer is **42**.', format: 'markdown' });
  await r.receipt('w1.2');
  expect(r.calls(...STREAM_CALLS)).toEqual(['chat.startStream', 'chat.stopStream', 'chat.update', 'chat.update']);
  const post = r.posts()[0]!;
  expect(r.emu.message(r.ws.channel, post.ts)!.text).toBe(markdownToMrkdwn('The answer is **42**.'));
});

test('slack streaming - plain text streams with markdown characters escaped one by one', async () => {
  const r = await boot();
  const asked = await ask(r);
  r.send({ id: 'p1', replyTo: `${r.ws.channel}:${asked}`, stream: true, text: 'a*b' });
  r.send({ id: 'p1.1', edit: 'p1', done: true, text: 'a*b_c [x] #1' });
  await r.receipt('p1.1');
  expect(r.emu.message(r.ws.channel, r.posts()[0]!.ts)!.text).toBe('a\\*b\\_c \\[x\\] \\#1');
});

test('slack streaming - done is never lost: Slack closed the stream, so the final text goes in with chat.update', async () => {
  const r = await openInThread('c1', 'Part one.', { emulator: { streamTimeoutMs: 600 } });
  await new Promise((res) => setTimeout(res, 700));
  r.send({ id: 'c1.1', edit: 'c1', done: true, text: 'Part one. Part two.' });
  expect(await r.receipt('c1.1')).toMatchObject({ ok: true, attempts: 1 });
  expect(r.calls(...STREAM_CALLS)).toEqual(['chat.startStream', 'chat.stopStream', 'chat.update']);
  expect(r.emu.requests.filter((q) => q.method === 'chat.stopStream').map((q) => q.error)).toEqual(['message_not_in_streaming_state']);
  expect(r.emu.message(r.ws.channel, r.posts()[0]!.ts)!.text).toBe('Part one. Part two.');
});

test('slack streaming - done is never lost: a rate limit on chat.stopStream is waited out and retried', async () => {
  const r = await openInThread('l1', 'Almost');
  r.emu.failNext({ method: 'chat.stopStream', status: 429, retryAfter: 1 });
  r.send({ id: 'l1.1', edit: 'l1', done: true, text: 'Almost there: done' });
  expect(await r.receipt('l1.1')).toMatchObject({ ok: true, attempts: 2 });
  expect(r.emu.message(r.ws.channel, r.posts()[0]!.ts)!.text).toBe('Almost there: done');
});

test('slack streaming - an append Slack carried out but whose answer was lost is not appended again', async () => {
  const r = await openInThread('x1', 'One');
  r.emu.failNext({ method: 'chat.appendStream', lostAnswer: true });
  r.send({ id: 'x1.1', edit: 'x1', text: 'One two' });
  expect(await r.receipt('x1.1')).toMatchObject({ ok: true, attempts: 2 });
  r.send({ id: 'x1.2', edit: 'x1', done: true, text: 'One two three' });
  await r.receipt('x1.2');
  // The retry could not know whether " two" was in: it stopped the stream and wrote the snapshot whole.
  expect(r.calls(...STREAM_CALLS)).toEqual(['chat.startStream', 'chat.appendStream', 'chat.stopStream', 'chat.update', 'chat.update']);
  expect(r.emu.message(r.ws.channel, r.posts()[0]!.ts)!.text).toBe('One two three');
});
