/**
 * The emulator's message methods driven by the REAL @slack/web-api WebClient: chat.update, chat.delete
 * and the stream methods, each refusal with Slack's error string, and the rate limits with Retry-After.
 */
import { SlackEmulator } from './index';
import { slackError, webClient, world } from './sdk-clients';

let emu: SlackEmulator;

afterEach(async () => {
  await emu?.stop();
});

async function start(opts: ConstructorParameters<typeof SlackEmulator>[0] = {}) {
  emu = new SlackEmulator({ echoBotMessages: false, ...opts });
  await emu.start();
  const w = world(emu);
  return { ...w, web: webClient(emu, w.app.botToken) };
}

test('slack emulator - chat.update replaces text and blocks of the app own message; refusals as Slack answers them', async () => {
  const { app, tom, channel, web } = await start({ editWindowMs: 60_000 });
  const posted = await web.chat.postMessage({ channel, text: 'v1', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'v1' } }] });
  const r = await web.chat.update({ channel, ts: posted.ts!, text: 'v2' });
  expect(r).toMatchObject({ ok: true, channel, ts: posted.ts, text: 'v2', message: { text: 'v2', edited: { user: app.botUserId } } });
  expect(emu.message(channel, posted.ts!)).toMatchObject({ text: 'v2' });
  expect(emu.message(channel, posted.ts!)!.blocks).toBeUndefined();

  const theirs = emu.post({ channel, user: tom.id, text: 'mine' });
  const other = emu.addApp({ name: 'Other' });
  emu.addMember(channel, other.botUserId);
  const otherPost = await webClient(emu, other.botToken).chat.postMessage({ channel, text: 'other app' });
  expect(await slackError(web.chat.update({ channel, ts: theirs.ts, text: 'x' }))).toMatchObject({ error: 'cant_update_message' });
  expect(await slackError(web.chat.update({ channel, ts: otherPost.ts!, text: 'x' }))).toMatchObject({ error: 'cant_update_message' });
  expect(await slackError(web.chat.update({ channel, ts: '1700000000.000001', text: 'x' }))).toMatchObject({ error: 'message_not_found' });
  expect(await slackError(web.chat.update({ channel, ts: posted.ts!, text: 'y'.repeat(40_001) }))).toMatchObject({ error: 'msg_too_long' });
  expect(await slackError(web.chat.update({ channel, ts: posted.ts!, text: '' }))).toMatchObject({ error: 'no_text' });
});

test('slack emulator - chat.update past the workspace edit window answers edit_window_closed', async () => {
  const { channel, web } = await start({ editWindowMs: 50 });
  const posted = await web.chat.postMessage({ channel, text: 'old' });
  await new Promise((r) => setTimeout(r, 80));
  expect(await slackError(web.chat.update({ channel, ts: posted.ts!, text: 'new' }))).toMatchObject({ error: 'edit_window_closed' });
});

test('slack emulator - chat.delete removes the app own message; another one is cant_delete_message; a gone one message_not_found', async () => {
  const { tom, channel, web } = await start();
  const posted = await web.chat.postMessage({ channel, text: 'bye' });
  expect(await web.chat.delete({ channel, ts: posted.ts! })).toMatchObject({ ok: true, channel, ts: posted.ts });
  expect(emu.message(channel, posted.ts!)).toBeUndefined();
  expect(await slackError(web.chat.delete({ channel, ts: posted.ts! }))).toMatchObject({ error: 'message_not_found' });
  const theirs = emu.post({ channel, user: tom.id, text: 'mine' });
  expect(await slackError(web.chat.delete({ channel, ts: theirs.ts }))).toMatchObject({ error: 'cant_delete_message' });
});

test('slack emulator - a stream is a thread reply that grows by each markdown_text until stopped', async () => {
  const { app, tom, channel, dm, web } = await start();
  const ask = emu.post({ channel, user: tom.id, text: 'question' });
  const s = await web.chat.startStream({
    channel,
    thread_ts: ask.ts,
    recipient_user_id: tom.id,
    recipient_team_id: app.teamId,
    markdown_text: '**Hel',
  });
  expect(s).toMatchObject({ ok: true, channel });
  await web.chat.appendStream({ channel, ts: s.ts!, markdown_text: 'lo** wor' });
  expect(emu.message(channel, s.ts!)).toMatchObject({ text: '**Hello** wor', threadTs: ask.ts, stream: { state: 'streaming' } });
  expect(await slackError(web.chat.update({ channel, ts: s.ts!, text: 'x' }))).toMatchObject({ error: 'streaming_state_conflict' });
  const stopped = await web.chat.stopStream({
    channel,
    ts: s.ts!,
    markdown_text: 'ld',
    blocks: [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'OK' }, action_id: 'a1', value: 'a1' }] }],
  });
  expect(stopped).toMatchObject({ ok: true, message: { text: '**Hello** world' } });
  expect(emu.buttons(channel, s.ts!).map((b) => b.label)).toEqual(['OK']);
  expect(await slackError(web.chat.appendStream({ channel, ts: s.ts!, markdown_text: 'more' }))).toMatchObject({
    error: 'message_not_in_streaming_state',
  });
  expect(await slackError(web.chat.stopStream({ channel, ts: s.ts! }))).toMatchObject({ error: 'message_not_in_streaming_state' });
  // Once stopped it is a message like any other: chat.update works.
  expect(await web.chat.update({ channel, ts: s.ts!, text: 'rewritten' })).toMatchObject({ ok: true });
  expect(emu.posted.map((p) => p.via)).toEqual(['chat.startStream']);

  // In a DM no recipient is needed.
  const inDm = emu.post({ channel: dm, user: tom.id, text: 'hi' });
  expect(await web.chat.startStream({ channel: dm, thread_ts: inDm.ts })).toMatchObject({ ok: true });
});

test('slack emulator - chat.startStream and appendStream refuse what Slack refuses', async () => {
  const { app, tom, channel, web } = await start({ streamTimeoutMs: 100 });
  const ask = emu.post({ channel, user: tom.id, text: 'question' });
  const recipient = { recipient_user_id: tom.id, recipient_team_id: app.teamId };
  expect(await slackError(web.chat.startStream({ channel } as never))).toMatchObject({ error: 'invalid_arguments' });
  expect(await slackError(web.chat.startStream({ channel, thread_ts: '1700000000.000009', ...recipient }))).toMatchObject({
    error: 'invalid_thread_ts',
  });
  expect(await slackError(web.chat.startStream({ channel, thread_ts: ask.ts }))).toMatchObject({ error: 'missing_recipient_user_id' });
  expect(await slackError(web.chat.startStream({ channel, thread_ts: ask.ts, recipient_user_id: tom.id }))).toMatchObject({
    error: 'missing_recipient_team_id',
  });
  expect(
    await slackError(web.chat.startStream({ channel, thread_ts: ask.ts, ...recipient, markdown_text: 'x'.repeat(12_001) })),
  ).toMatchObject({ error: 'msg_too_long' });
  const s = await web.chat.startStream({ channel, thread_ts: ask.ts, ...recipient });
  expect(await slackError(web.chat.appendStream({ channel, ts: s.ts!, markdown_text: 'y'.repeat(12_001) }))).toMatchObject({
    error: 'msg_too_long',
  });
  expect(await slackError(web.chat.appendStream({ channel, ts: s.ts!, markdown_text: '' }))).toMatchObject({ error: 'no_text' });
  const other = emu.addApp({ name: 'Other' });
  emu.addMember(channel, other.botUserId);
  expect(await slackError(webClient(emu, other.botToken).chat.appendStream({ channel, ts: s.ts!, markdown_text: 'mine' }))).toMatchObject({
    error: 'cant_update_message',
  });
  const normal = await web.chat.postMessage({ channel, text: 'not a stream' });
  expect(await slackError(web.chat.appendStream({ channel, ts: normal.ts!, markdown_text: 'x' }))).toMatchObject({
    error: 'message_not_in_streaming_state',
  });
  // Slack closes a stream by itself after a while: appends then fail, and the message can be updated.
  await new Promise((r) => setTimeout(r, 150));
  expect(await slackError(web.chat.appendStream({ channel, ts: s.ts!, markdown_text: 'late' }))).toMatchObject({
    error: 'message_not_in_streaming_state',
  });
  expect(await web.chat.update({ channel, ts: s.ts!, text: 'final' })).toMatchObject({ ok: true });
});

test('slack emulator - per-method rate limits answer HTTP 429 ratelimited with Retry-After', async () => {
  const { channel, web } = await start({ rateLimits: { 'chat.update': { limit: 2, windowMs: 1500 } } });
  const posted = await web.chat.postMessage({ channel, text: 'v0' });
  await web.chat.update({ channel, ts: posted.ts!, text: 'v1' });
  await web.chat.update({ channel, ts: posted.ts!, text: 'v2' });
  const limited = await slackError(web.chat.update({ channel, ts: posted.ts!, text: 'v3' }));
  expect(limited).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 2 });
  expect(emu.requests.filter((r) => r.method === 'chat.update').map((r) => r.httpStatus)).toEqual([200, 200, 429]);
  expect(emu.message(channel, posted.ts!)!.text).toBe('v2');
});

test('slack emulator - Block Kit buttons are checked: label length, unique action_id, value length, style', async () => {
  const { channel, web } = await start();
  const button = (over: Record<string, unknown>) => ({ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'a', ...over });
  const refused = await slackError(
    web.chat.postMessage({
      channel,
      text: 'x',
      blocks: [
        {
          type: 'actions',
          elements: [
            button({ text: { type: 'plain_text', text: 'L'.repeat(76) } }),
            button({}),
            button({ action_id: 'b', value: 'v'.repeat(2001), style: 'green' }),
          ],
        },
      ] as never[],
    }),
  );
  expect(refused.error).toBe('invalid_blocks');
  expect(refused.data!.errors).toEqual([
    'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    'action_id must be unique in the message [json-pointer:/blocks/0/elements/1/action_id]',
    'must be less than 2001 characters [json-pointer:/blocks/0/elements/2/value]',
    'must be one of primary, danger [json-pointer:/blocks/0/elements/2/style]',
  ]);
});
