import type { InboundAction } from '../../../core/contract/schemas';
import { dingtalkRig, type DingTalkRun } from './rig';

const { boot } = dingtalkRig();

const BUTTONS = [
  { id: 'approve', label: 'Approve', style: 'primary', value: 'order-7' },
  { id: 'reject', label: 'Reject', style: 'danger' },
];

async function cardWithButtons(r: DingTalkRun, conversation: string, id = 'a1') {
  r.send({ id, conversation: { id: conversation }, text: 'Order 7: approve?', actions: BUTTONS });
  const receipt = await r.receipt(id);
  expect(receipt).toMatchObject({ ok: true });
  return r.emu.cards.get(receipt.messageIds![0]!)!;
}

/** Barrier: a direct message from Tom, allowed in every test here. */
const barrier = (r: DingTalkRun) =>
  r.gw.inboundBarrier((text) => r.emu.message({ robotCode: r.org.bot.robotCode, from: r.org.tom, text }).outcome);

test('dingtalk actions - buttons go on an AI card; a click comes back over Stream as an action naming the button and envelope', async () => {
  const r = await boot();
  const card = await cardWithButtons(r, r.org.group);
  expect(card.buttons.map((b) => b.text)).toEqual(['Approve', 'Reject']);
  expect(card.callbackType).toBe('STREAM');
  const click = r.emu.click(card.outTrackId, r.org.ann, 'Approve');
  expect((await click.outcome).acked).toBe(true);
  const [action] = (await r.inbound(1)) as InboundAction[];
  expect(action).toMatchObject({
    kind: 'action',
    id: `dingtalk:default:card.${click.messageId}`,
    conversation: { id: r.org.group, type: 'group' },
    sender: { id: r.org.ann.staffId },
    action: { id: 'approve', value: 'order-7', messageId: card.outTrackId, envelope: 'a1' },
  });
});

test('dingtalk actions - a click pushed again is one action; clicks from outside allowFrom and forged tokens are dropped, all acknowledged', async () => {
  const r = await boot({ allowFrom: (org) => `["${org.tom.staffId}"]` });
  const card = await cardWithButtons(r, r.org.tom.staffId);
  const click = r.emu.click(card.outTrackId, r.org.tom, 'Reject');
  expect((await click.outcome).acked).toBe(true);
  expect((await r.emu.redeliver(r.org.bot.robotCode, click)).acked).toBe(true);
  expect((await r.emu.click(card.outTrackId, r.org.ann, 'Approve').outcome).acked).toBe(true);
  card.buttons[0]!.token = 'forgedTokenAAAAAAAAAAAA';
  expect((await r.emu.click(card.outTrackId, r.org.tom, 'Approve').outcome).acked).toBe(true);
  await barrier(r);
  const actions = r.inbox.items.filter((e) => e.kind === 'action') as InboundAction[];
  expect(actions.map((a) => [a.sender.id, a.action.id])).toEqual([[r.org.tom.staffId, 'reject']]);
});

test('dingtalk actions - an edit replaces the card text and buttons (PUT card/instances); an edit without buttons clears them', async () => {
  const r = await boot();
  const card = await cardWithButtons(r, r.org.group);
  r.send({ id: 'a1.e', edit: 'a1', text: 'Order 7: approved by Ann', actions: [{ id: 'undo', label: 'Undo' }] });
  expect(await r.receipt('a1.e')).toMatchObject({ ok: true });
  expect(card.content).toBe('Order 7: approved by Ann');
  expect(card.buttons.map((b) => b.text)).toEqual(['Undo']);
  r.send({ id: 'a1.f', edit: 'a1', text: 'Order 7: done' });
  expect(await r.receipt('a1.f')).toMatchObject({ ok: true });
  expect(card).toMatchObject({ content: 'Order 7: done', buttons: [] });
  expect(r.emu.requests.filter((q) => q.path === '/v1.0/card/instances').map((q) => q.status)).toEqual([200, 200]);
});

test('dingtalk actions - without a card template buttons become a numbered list under the text', async () => {
  const r = await boot({ noCards: true });
  r.send({ id: 'a2', conversation: { id: r.org.group }, text: 'Order 7: approve?', actions: BUTTONS });
  expect(await r.receipt('a2')).toMatchObject({ ok: true });
  expect(r.emu.sentTo(r.org.group).map((s) => s.text)).toEqual(['Order 7: approve?\n\n1. Approve\n2. Reject']);
});
