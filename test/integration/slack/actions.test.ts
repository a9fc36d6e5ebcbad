import type { InboundCommand } from '../../../core/contract/schemas';
import { eventually } from '../../support';
import { ASK, REFUSED, actionsIn, refusals } from '../../support/actions';
import { slackRig, type SlackRun } from './rig';

const rig = slackRig({ nats: { own: true } });

/** The bot asks in the DM, answering Tom's message; resolves the posted question. */
async function asked(r: SlackRun, where = r.ws.dm) {
  const q = r.emu.post({ channel: where, user: r.ws.tom.id, text: `<@${r.ws.app.botUserId}> deploy` });
  await q.deliveries;
  r.send({ ...ASK, replyTo: `${where}:${q.ts}` });
  await r.receipt('ask-1');
  return r.posts().at(-1)!;
}

test('slack actions - buttons are Block Kit buttons carrying the token; a click is acked after it is stored; the agent edits the card', async () => {
  const r = await rig.boot();
  const card = await asked(r);
  const buttons = r.emu.buttons(card.channel, card.ts);
  expect(buttons.map((b) => [b.label, b.style])).toEqual([
    ['Approve', 'primary'],
    ['Reject', 'danger'],
  ]);
  expect(buttons.map((b) => b.actionId)).toEqual(buttons.map((b) => b.value));
  expect(buttons.every((b) => /^[A-Za-z0-9_-]{22}$/.test(b.actionId) && b.blockId === 'cg_actions')).toBe(true);
  expect(JSON.stringify(card.blocks)).not.toContain('deploy:42');
  expect(card.text).toBe('Deploy?');

  const click = r.emu.click({ channel: card.channel, ts: card.ts, user: r.ws.tom.id, label: 'Approve' });
  expect(await click.outcome).toMatchObject({ acked: true, attempts: 1 });
  expect(r.emu.lateAcks).toEqual([]);
  await eventually(() => actionsIn(r.inbox).length === 1, 'the action envelope');
  const [action] = actionsIn(r.inbox);
  expect(action).toMatchObject({
    id: `slack:default:${click.key}`,
    conversation: { id: r.ws.dm, type: 'direct' },
    sender: { id: r.ws.tom.id, name: 'Tom', kind: 'user' },
    action: { id: 'approve', value: 'deploy:42', messageId: `${card.channel}:${card.ts}`, envelope: 'ask-1' },
  });

  r.send({ id: 'verdict', edit: action!.action.envelope, text: 'Approved by Tom' });
  expect(await r.receipt('verdict')).toMatchObject({ ok: true, messageIds: [`${card.channel}:${card.ts}`] });
  expect(r.emu.message(card.channel, card.ts)).toMatchObject({ text: 'Approved by Tom' });
  expect(r.emu.buttons(card.channel, card.ts)).toEqual([]);
  // The same click delivered again (Slack's retry) is stored once.
  expect((await r.emu.redeliver(click.key)).acked).toBe(true);
  r.send({ id: 'barrier', conversation: { id: r.ws.dm }, text: 'barrier' });
  await r.receipt('barrier');
  expect(actionsIn(r.inbox)).toHaveLength(1);
});

test('slack actions - forged, stale, other-message and stranger clicks are acked but refused, never published', async () => {
  const r = await rig.boot({ allowFrom: (ws) => `["${ws.tom.id}"]` });
  const card = await asked(r);
  const first = r.emu.click({ channel: card.channel, ts: card.ts, user: r.ws.tom.id, label: 'Approve' });
  await first.outcome;
  await eventually(() => actionsIn(r.inbox).length === 1, 'the first click');
  const base = first.payload as { actions: Array<Record<string, unknown>>; container: Record<string, unknown> };
  const replay = (key: string, over: Record<string, unknown>) =>
    r.emu.pushInteractive(r.ws.app.appId, { ...base, trigger_id: key, ...over });

  const forgedToken = 'A'.repeat(22);
  const forged = replay('t-forged', { actions: [{ ...base.actions[0], action_id: forgedToken, value: forgedToken }] });
  // Another card in the channel: its token clicked as if it were on the first card.
  const q = r.emu.post({ channel: r.ws.channel, user: r.ws.tom.id, text: `<@${r.ws.app.botUserId}> deploy again` });
  await q.deliveries;
  r.send({ id: 'ask-2', replyTo: `${r.ws.channel}:${q.ts}`, text: 'Deploy again?', actions: [{ id: 'yes', label: 'Yes' }] });
  await r.receipt('ask-2');
  const second = r.posts().at(-1)!;
  const otherToken = r.emu.buttons(second.channel, second.ts)[0]!.actionId;
  const misplaced = replay('t-other', { actions: [{ ...base.actions[0], action_id: otherToken, value: otherToken }] });
  // The card edited without buttons: the old one clicked again (a new click, not Slack's retry).
  r.send({ id: 'verdict', edit: 'ask-1', text: 'Approved by Tom' });
  await r.receipt('verdict');
  const stale = replay('t-stale', {});
  const ann = r.emu.click({ channel: second.channel, ts: second.ts, user: r.ws.ann.id, label: 'Yes' });
  const outcomes = await Promise.all([forged, misplaced, stale, ann].map((s) => s.outcome));
  expect(outcomes.map((o) => [o.acked, o.attempts])).toEqual([
    [true, 1],
    [true, 1],
    [true, 1],
    [true, 1],
  ]);
  // Barrier: a good click after them arrives; nothing else did.
  const good = r.emu.click({ channel: second.channel, ts: second.ts, user: r.ws.tom.id, label: 'Yes' });
  await good.outcome;
  await eventually(() => actionsIn(r.inbox).length === 2, 'the good click');
  expect(actionsIn(r.inbox).map((a) => a.action.id)).toEqual(['approve', 'yes']);
  expect(refusals(r.gw.logs)).toEqual([REFUSED.unknown, REFUSED.otherMessage, REFUSED.replaced]);
  expect(r.gw.logs.messages().some((m) => m.includes(`action from ${r.ws.ann.id} dropped: sender not in allowFrom`))).toBe(true);
});

test('slack actions - while NATS is down a click is not acked; Slack sends it again and it is published once', async () => {
  const r = await rig.boot();
  const card = await asked(r);
  await rig.t.nats.stop();
  const click = r.emu.click({ channel: card.channel, ts: card.ts, user: r.ws.tom.id, label: 'Reject' });
  await eventually(
    () => r.emu.deliveries.some((d) => d.eventId === click.key && d.outcome === 'timeout'),
    'the first attempt unacked',
    10_000,
  );
  await rig.t.nats.restart();
  const outcome = await click.outcome;
  expect(outcome.acked).toBe(true);
  expect(outcome.attempts).toBeGreaterThan(1);
  await eventually(() => actionsIn(r.inbox).length === 1, 'the click after the outage', 20_000);
  r.send({ id: 'barrier', conversation: { id: r.ws.dm }, text: 'barrier' });
  await r.receipt('barrier', 20_000);
  expect(actionsIn(r.inbox).map((a) => a.action.id)).toEqual(['reject']);
}, 60_000);

test('slack actions - a slash command becomes a command envelope: name without the slash, args', async () => {
  const r = await rig.boot();
  const sent = r.emu.command({ appId: r.ws.app.appId, channel: r.ws.channel, user: r.ws.tom.id, command: '/deploy', text: ' prod eu ' });
  expect(await sent.outcome).toMatchObject({ acked: true, attempts: 1 });
  await eventually(() => r.inbox.items.some((e) => e.kind === 'command'), 'the command envelope');
  const env = r.inbox.items.find((e): e is InboundCommand => e.kind === 'command')!;
  expect(env).toMatchObject({
    id: `slack:default:${sent.key}`,
    conversation: { id: r.ws.channel, type: 'group' },
    sender: { id: r.ws.tom.id, name: 'Tom' },
    command: { name: 'deploy', args: 'prod eu' },
  });
});

test('slack actions - buttons under a long text go on its last message; more than Slack shows are refused', async () => {
  const r = await rig.boot();
  const text = Array.from({ length: 3 }, (_, i) => `Part ${i + 1}: ${'word '.repeat(700)}`).join('\n\n');
  r.send({ id: 'long', conversation: { id: r.ws.channel }, text, actions: [{ id: 'ok', label: 'OK' }] });
  const receipt = await r.receipt('long');
  expect(receipt.messageIds).toHaveLength(3);
  const posts = r.posts();
  expect(posts.map((p) => r.emu.buttons(p.channel, p.ts).length)).toEqual([0, 0, 1]);
  const sections = (posts[2]!.blocks as Array<{ type: string; text?: { text: string } }>).filter((b) => b.type === 'section');
  expect(sections.map((s) => s.text!.text).join('')).toContain('Part 3:');
  r.send({
    id: 'many',
    conversation: { id: r.ws.channel },
    text: 'pick',
    actions: Array.from({ length: 11 }, (_, i) => ({ id: `b${i}`, label: `B${i}` })),
  });
  expect(await r.receipt('many')).toMatchObject({ ok: false, error: { code: 'E_SCHEMA' } });
});
