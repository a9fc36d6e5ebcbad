import type { InboundAction } from '../../../core/contract/schemas';
import { wecomRig, type WeComRun } from './rig';

const { boot } = wecomRig();

/** A reply with two buttons to a message of `user`; resolves the card WeCom shows and the receipt. */
async function askWithButtons(r: WeComRun, user: string, id: string) {
  const said = await r.emu.say({ botId: r.bot.botId, user, text: 'deploy?' });
  await r.inbox.waitFor(1);
  r.send({
    id,
    replyTo: said.msgid,
    text: 'Deploy build 42?',
    actions: [
      { id: 'yes', label: 'Deploy', style: 'primary', value: 'deploy:42' },
      { id: 'no', label: 'Cancel', style: 'danger' },
    ],
  });
  const receipt = await r.receipt(id);
  const card = r.emu.shown(user).find((s) => s.kind === 'template_card')!;
  return { said, receipt, card };
}

describe('wecom actions', () => {
  test('wecom actions - buttons are a button_interaction card on the reply; a click is an action; unanswered, the button is marked', async () => {
    const r = await boot();
    const { receipt, card } = await askWithButtons(r, 'zhangsan', 'ask1');
    const [stream] = r.emu.shown('zhangsan');
    expect(stream).toMatchObject({ kind: 'stream', content: 'Deploy build 42?', finished: true });
    expect(card.card).toMatchObject({ type: 'button_interaction', title: '请选择' });
    expect(card.card!.buttons.map((b) => [b.text, b.style])).toEqual([
      ['Deploy', 1],
      ['Cancel', 3],
    ]);
    expect(card.card!.buttons.every((b) => /^[A-Za-z0-9_-]{22}$/.test(b.key))).toBe(true);
    expect(receipt).toMatchObject({ ok: true, messageIds: [stream!.id, `zhangsan:${card.card!.taskId}`] });

    const click = await r.emu.click({ botId: r.bot.botId, user: 'zhangsan', taskId: card.card!.taskId, label: 'Deploy' });
    const action = r.inbox.items.find((e): e is InboundAction => e.kind === 'action')!;
    expect(action).toMatchObject({
      kind: 'action',
      conversation: { id: 'zhangsan', type: 'direct' },
      sender: { id: 'zhangsan' },
      action: { id: 'yes', value: 'deploy:42', messageId: `zhangsan:${card.card!.taskId}`, envelope: 'ask1' },
    });
    expect(click.updated).toBe(true);
    expect(
      r.emu
        .shown('zhangsan')
        .find((s) => s.kind === 'template_card')!
        .card!.buttons.map((b) => b.text),
    ).toEqual(['✓ Deploy', 'Cancel']);
  });

  test('wecom actions - an edit right after a click updates the card (text and buttons); later, an edit is E_UNSUPPORTED', async () => {
    const r = await boot();
    const { card } = await askWithButtons(r, 'lisi', 'ask2');
    const clicked = r.emu.click({ botId: r.bot.botId, user: 'lisi', taskId: card.card!.taskId, label: 'Cancel' });
    const deadline = Date.now() + 10_000;
    while (!r.inbox.items.some((e) => e.kind === 'action') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    r.send({ id: 'ask2.e', edit: 'ask2', text: 'Cancelled by Li Si', actions: [{ id: 'undo', label: 'Undo' }] });
    expect((await r.receipt('ask2.e')).ok).toBe(true);
    expect((await clicked).updated).toBe(true);
    const now = r.emu.shown('lisi').find((s) => s.kind === 'template_card')!.card!;
    expect([now.type, now.text, now.buttons.map((b) => b.text)]).toEqual(['button_interaction', 'Cancelled by Li Si', ['Undo']]);
    r.send({ id: 'ask2.e2', edit: 'ask2', text: 'too late' });
    const late = await r.receipt('ask2.e2');
    expect(late).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
  });

  test('wecom actions - a forged token, a card of another chat and a sender outside allowFrom are refused, never published', async () => {
    const r = await boot({ allowFrom: '["wangwu"]' });
    const { card } = await askWithButtons(r, 'wangwu', 'ask3');
    const taskId = card.card!.taskId;
    const token = card.card!.buttons[0]!.key;
    await r.emu.pushEvent(r.bot.botId, 'wangwu', undefined, {
      eventtype: 'template_card_event',
      event_key: 'forged-token-000000000',
      task_id: taskId,
    });
    await r.emu.pushEvent(r.bot.botId, 'wangwu', r.group, { eventtype: 'template_card_event', event_key: token, task_id: taskId });
    const outsider = await r.emu.pushEvent(r.bot.botId, 'intruder', undefined, {
      eventtype: 'template_card_event',
      event_key: token,
      task_id: taskId,
    });
    expect(outsider.updated).toBe(false);
    await r.gw.inboundBarrier((text) => r.emu.say({ botId: r.bot.botId, user: 'wangwu', text }));
    expect(r.inbox.items.filter((e) => e.kind === 'action')).toEqual([]);
    expect(r.gw.logs.messages().filter((m) => m.startsWith('button click refused')).length).toBeGreaterThanOrEqual(2);
  });

  test('wecom actions - a message of its own with buttons is a markdown message and a card; more than 6 buttons is E_UNSUPPORTED', async () => {
    const r = await boot();
    r.emu.users.add('zhaoliu');
    r.send({ id: 'pro1', conversation: { id: 'zhaoliu' }, text: 'Pick one', actions: [{ id: 'a', label: 'A' }] });
    const receipt = await r.receipt('pro1');
    const shown = r.emu.shown('zhaoliu');
    expect(shown.map((s) => s.kind)).toEqual(['markdown', 'template_card']);
    expect(receipt.messageIds).toEqual([shown[0]!.id, `zhaoliu:${shown[1]!.card!.taskId}`]);
    const seven = Array.from({ length: 7 }, (_, i) => ({ id: `b${i}`, label: `B${i}` }));
    r.send({ id: 'pro2', conversation: { id: 'zhaoliu' }, text: 'Too many', actions: seven });
    expect(await r.receipt('pro2')).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });
  });
});
