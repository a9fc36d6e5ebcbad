import type { InboundAction, InboundAny } from '../../../core/contract/schemas';
import type { CallbackOutcome, CallbackRoute } from '../../emulators/feishu';
import { eventually } from '../../support';
import { ALLOW_ALL, CHAT, USER, bootFeishu, messageIdOf, textEvent, type FeishuApp } from '../../support/feishu';
import { useGatewayTest, type Booted } from '../../support/fixture';

const t = useGatewayTest({ emulator: 'feishu' });

const ASK = {
  text: 'Deploy?',
  actions: [
    { id: 'approve', label: 'Approve', style: 'primary', value: 'deploy:42' },
    { id: 'reject', label: 'Reject', style: 'danger' },
  ],
};

const actions = (gw: Booted) => (gw.inbox.items as InboundAny[]).filter((e): e is InboundAction => e.kind === 'action');

/** The bot asks "Deploy?" with two buttons, answering USER's message in CHAT; resolves the card's message id. */
async function asked(gw: Booted, app: FeishuApp, id = 'ask-1', chat = CHAT) {
  const question = textEvent(t.emu, app, 'deploy please', { chatId: chat });
  await t.emu.pushEvent(app.appId, question);
  await eventually(
    () => gw.inbox.items.some((e) => (e as InboundAny).kind === 'message' && e.message?.id === messageIdOf(question)),
    'question',
  );
  gw.publish('feishu.default', { id, replyTo: messageIdOf(question), ...ASK });
  await eventually(() => gw.receipts.items.some((r) => r.id === id), `receipt of ${id}`);
  expect(gw.receipts.items.find((r) => r.id === id)).toMatchObject({ ok: true });
  return gw.receipts.items.find((r) => r.id === id)!.messageIds![0]!;
}

const clickVia = (via: CallbackRoute) =>
  async function (gw: Booted, app: FeishuApp) {
    const card = await asked(gw, app);
    const out = await t.emu.click({ appId: app.appId, messageId: card, label: 'Approve', operatorOpenId: USER, route: via });
    expect(out).toMatchObject({ code: 0, answer: {} });
    expect(out.latencyMs).toBeLessThan(3000);
    await eventually(() => actions(gw).length === 1, 'the action envelope');
    expect(actions(gw)[0]).toMatchObject({
      id: `feishu:default:${out.event.header.event_id}`,
      kind: 'action',
      conversation: { id: CHAT, type: 'direct' },
      sender: { id: USER, kind: 'user' },
      action: { id: 'approve', value: 'deploy:42', messageId: card, envelope: 'ask-1' },
    });
    return out;
  };

test('feishu actions - buttons are JSON 2.0 card buttons whose value is only the token', async () => {
  const { app, gw } = await bootFeishu(t);
  const card = await asked(gw, app);
  const sent = t.emu.sent.find((s) => s.messageId === card)!;
  expect(sent).toMatchObject({ msgType: 'interactive', content: { schema: '2.0' } });
  const buttons = t.emu.buttons(card);
  expect(buttons.map((b) => [b.label, b.type])).toEqual([
    ['Approve', 'primary_filled'],
    ['Reject', 'danger'],
  ]);
  for (const b of buttons) expect(b.value).toEqual({ cg: expect.stringMatching(/^[A-Za-z0-9_-]{1,24}$/) });
  expect(sent.rawContent).not.toContain('deploy:42');
  expect(sent.rawContent).toContain('Deploy?');
});

test('feishu actions - a click in an event frame (card.action.trigger) becomes an action, answered empty within 3 s', async () => {
  const { app, gw } = await bootFeishu(t);
  const out = await clickVia({ via: 'event' })(gw, app);
  // Feishu delivers the callback again (same event id): stored once.
  expect((await t.emu.callback(out.event)).code).toBe(0);
  // Right after the restart JetStream may still refuse a store: the barrier is delivered again until stored, as Feishu would.
  await gw.inboundBarrier(async (text) => {
    const e = textEvent(t.emu, app, text);
    let ack = await t.emu.pushEvent(app.appId, e);
    for (let i = 0; ack.code !== 200 && i < 20; i++) ack = await t.emu.redeliver(e);
  });
  expect(actions(gw)).toHaveLength(1);
  expect(t.emu.protocolErrors).toEqual([]);
});

test('feishu actions - a click in a card frame (which the SDK alone drops) becomes an action; the answer is a card frame', async () => {
  const { app, gw } = await bootFeishu(t);
  await clickVia({ via: 'card' })(gw, app);
  const ack = t.emu.deliveries.at(-1)!.ack!;
  expect(ack.frameType).toBe('card');
  expect(t.emu.protocolErrors).toEqual([]);
});

test('feishu actions - in webhook mode the callback is answered in the response body', async () => {
  const keys = { verificationToken: 'vt-actions', encryptKey: 'ek-actions' };
  const extra = `    mode: webhook\n    verificationToken: ${keys.verificationToken}\n    encryptKey: ${keys.encryptKey}\n${ALLOW_ALL}`;
  const { app, gw } = await bootFeishu(t, extra, { connect: false });
  const url = `${gw.gateway.http.url}/feishu/default/events`;
  const card = await (async () => {
    const q = textEvent(t.emu, app, 'deploy please');
    q.header.token = keys.verificationToken;
    const res = await t.emu.postWebhook(url, q, { encryptKey: keys.encryptKey });
    expect(res.status).toBe(200);
    await eventually(() => gw.inbox.items.length === 1, 'question');
    gw.publish('feishu.default', { id: 'ask-1', replyTo: messageIdOf(q), ...ASK });
    const [r] = await gw.receipts.waitFor(1);
    return r!.messageIds![0]!;
  })();
  const out = await t.emu.click({
    appId: app.appId,
    messageId: card,
    label: 'Reject',
    operatorOpenId: USER,
    route: { via: 'webhook', url, ...keys },
  });
  expect(out).toMatchObject({ code: 0, answer: {} });
  await eventually(() => actions(gw).length === 1, 'the action envelope');
  expect(actions(gw)[0]).toMatchObject({ action: { id: 'reject', messageId: card, envelope: 'ask-1' }, sender: { id: USER } });
});

test('feishu actions - stranger, other-message, other-chat and forged clicks are answered but refused, logged, never published', async () => {
  const { app, gw } = await bootFeishu(t, `    allowFrom: ["${USER}"]\n`);
  const card = await asked(gw, app);
  const other = await asked(gw, app, 'ask-2', 'oc_0ther0000000000000000000000000a');
  const first = await t.emu.click({ appId: app.appId, messageId: card, label: 'Approve', operatorOpenId: USER });
  expect(first.code).toBe(0);
  await eventually(() => actions(gw).length === 1, 'the genuine click');
  const otherToken = t.emu.buttons(other)[0]!.value;
  const forge = (over: { value?: unknown; context?: Record<string, string>; operator?: string }) => {
    const e = structuredClone(first.event);
    e.header.event_id = `forged${Math.random().toString(16).slice(2)}`;
    const body = e.event as { action: { value: unknown }; context: Record<string, string>; operator: { open_id: string } };
    if (over.value) body.action.value = over.value;
    if (over.context) body.context = { ...body.context, ...over.context };
    if (over.operator) body.operator.open_id = over.operator;
    return t.emu.callback(e);
  };
  const outcomes = await Promise.all([
    forge({ operator: 'ou_5tranger000000000000000000000b' }),
    forge({ value: otherToken }),
    forge({ context: { open_chat_id: 'oc_0ther0000000000000000000000000a' } }),
    forge({ value: { cg: 'A'.repeat(22) } }),
    forge({ value: { something: 'else' } }),
  ]);
  for (const o of outcomes) expect(o.code).toBe(0);
  expect(outcomes.filter((o) => (o.answer as { toast?: unknown }).toast).length).toBe(4);
  // Right after the restart JetStream may still refuse a store: the barrier is delivered again until stored, as Feishu would.
  await gw.inboundBarrier(async (text) => {
    const e = textEvent(t.emu, app, text);
    let ack = await t.emu.pushEvent(app.appId, e);
    for (let i = 0; ack.code !== 200 && i < 20; i++) ack = await t.emu.redeliver(e);
  });
  expect(actions(gw)).toHaveLength(1);
  const logs = gw.logs.messages().join('\n');
  expect(logs).toMatch(/button click refused: .*another message/);
  expect(logs).toMatch(/button click refused: unknown or expired button/);
  expect(logs).toContain('the callback names another chat');
  expect(logs).toContain('Feishu card callback skipped: a click on a button the channel did not render');
});

test('feishu actions - a bot-menu item becomes an action named by its event key, in the direct chat', async () => {
  const { app, gw } = await bootFeishu(t);
  const event = t.emu.menu(app.appId, USER, 'weekly_report');
  expect((await t.emu.pushEvent(app.appId, event)).code).toBe(200);
  await eventually(() => actions(gw).length === 1, 'the menu action');
  expect(actions(gw)[0]).toMatchObject({
    id: `feishu:default:${event.header.event_id}`,
    conversation: { id: USER, type: 'direct' },
    sender: { id: USER, name: 'Tom' },
    action: { id: 'weekly_report' },
  });
});

test('feishu actions - a click that cannot be stored (NATS down) is not answered as done; Feishu delivers it again and it is stored once', async () => {
  const { app, gw } = await bootFeishu(t);
  const card = await asked(gw, app);
  await t.nats.stop();
  let out: CallbackOutcome | undefined;
  try {
    out = await t.emu.click({ appId: app.appId, messageId: card, label: 'Approve', operatorOpenId: USER });
    expect(out.code).toBe(200340);
  } finally {
    await t.nats.restart();
  }
  await eventually(async () => (await t.emu.callback(out!.event)).code === 0, 'the redelivered click answered', 20_000);
  // Right after the restart JetStream may still refuse a store: the barrier is delivered again until stored, as Feishu would.
  await gw.inboundBarrier(async (text) => {
    const e = textEvent(t.emu, app, text);
    let ack = await t.emu.pushEvent(app.appId, e);
    for (let i = 0; ack.code !== 200 && i < 20; i++) ack = await t.emu.redeliver(e);
  });
  expect(actions(gw)).toHaveLength(1);
  expect(actions(gw)[0]).toMatchObject({ id: `feishu:default:${out!.event.header.event_id}`, action: { id: 'approve' } });
}, 45_000);
