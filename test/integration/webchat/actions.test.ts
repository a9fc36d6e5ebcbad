import { useGatewayTest } from '../../support/fixture';
import { bootWebchat, receiptOf, tab } from './visitor';

const t = useGatewayTest();
const ADA = 'ada';

type Button = { token: string; label: string; style: string };

/** Sends "Deploy?" with two buttons to `visitor` and resolves with the reply frame's buttons. */
async function ask(gw: Awaited<ReturnType<typeof bootWebchat>>['gw'], page: Awaited<ReturnType<typeof tab>>, id: string, visitor = ADA) {
  gw.publish('webchat.default', {
    id,
    conversation: { id: visitor },
    text: 'Deploy?',
    actions: [
      { id: 'yes', label: 'Deploy', style: 'primary', value: 'deploy:v42' },
      { id: 'no', label: 'Cancel', style: 'danger' },
    ],
  });
  const reply = await page.next('reply', (f) => f.id === id);
  return reply.actions as Button[];
}

/** The page gets the error frame that refuses click `id` for good, saying `message`. */
async function expectRefused(page: Awaited<ReturnType<typeof tab>>, id: string, message: unknown) {
  expect(await page.next('error', (f) => f.id === id)).toEqual({ type: 'error', id, message, retry: false });
}

test('webchat actions - buttons show under the bubble; a click is acked and becomes an action envelope with the button and its message', async () => {
  const { gw, ws } = await bootWebchat(t);
  const page = await tab(t, ws, ADA);
  const buttons = await ask(gw, page, 'q-1');
  expect(buttons).toEqual([
    { token: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), label: 'Deploy', style: 'primary' },
    { token: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), label: 'Cancel', style: 'danger' },
  ]);
  expect(await receiptOf(gw, 'q-1')).toMatchObject({ ok: true, messageIds: ['wc_q-1'] });
  page.click('click-0001', 'wc_q-1', buttons[0]!.token);
  expect(await page.next('ack', (f) => f.id === 'click-0001')).toEqual({ type: 'ack', id: 'click-0001' });
  const [env] = await gw.inbox.waitFor(1);
  expect(env).toMatchObject({
    kind: 'action',
    id: 'webchat:default:ada.click.click-0001',
    conversation: { id: ADA, type: 'direct' },
    sender: { id: ADA, kind: 'user' },
    action: { id: 'yes', value: 'deploy:v42', messageId: 'wc_q-1', envelope: 'q-1' },
  });
  // The agent answers the click by editing the card: the buttons go.
  gw.publish('webchat.default', { id: 'q-1.e', edit: 'q-1', text: 'Approved by Ada' });
  expect(await page.next('update')).toMatchObject({ id: 'q-1', text: 'Approved by Ada', actions: [] });
});

test('webchat actions - a replayed click is acked again but published once', async () => {
  const { gw, ws } = await bootWebchat(t);
  const page = await tab(t, ws, ADA);
  const buttons = await ask(gw, page, 'q-2');
  page.click('click-0002', 'wc_q-2', buttons[1]!.token);
  page.click('click-0002', 'wc_q-2', buttons[1]!.token);
  await page.next('ack', (f) => f.id === 'click-0002');
  await gw.inboundBarrier((text) => page.send(text, text));
  expect(page.of('ack').filter((f) => f.id === 'click-0002')).toHaveLength(2);
  expect(gw.inbox.items.map((e) => [e.kind, e.id])).toEqual([['action', 'webchat:default:ada.click.click-0002']]);
});

test('webchat actions - unknown tokens, clicks on another visitor bubble, and buttons an edit removed are refused; nothing is published', async () => {
  const { gw, ws } = await bootWebchat(t);
  const ada = await tab(t, ws, ADA);
  const bob = await tab(t, ws, 'bob');
  const buttons = await ask(gw, ada, 'q-3');
  // Bob learned the message id and token of Ada's button.
  bob.click('click-0003', 'wc_q-3', buttons[0]!.token);
  await expectRefused(bob, 'click-0003', 'this button cannot be used: it is not on a message of this conversation');
  ada.click('click-0004', 'wc_q-3', 'AAAAAAAAAAAAAAAAAAAAAA');
  await expectRefused(ada, 'click-0004', expect.stringMatching(/^this button cannot be used: unknown or expired button/));
  ada.click('click-0005', 'wc_nope', buttons[0]!.token);
  await expectRefused(ada, 'click-0005', 'this button cannot be used: it is not on a message of this conversation');
  gw.publish('webchat.default', { id: 'q-3.e', edit: 'q-3', text: 'Deploy? (closed)' });
  await ada.next('update');
  ada.click('click-0006', 'wc_q-3', buttons[0]!.token);
  await expectRefused(ada, 'click-0006', 'this button cannot be used: the button is no longer on the message (an edit replaced it)');
  await gw.inboundBarrier((text) => ada.send(text, text));
  expect(gw.inbox.items).toEqual([]);
  expect(gw.logs.lines.filter((l) => l.msg === 'web chat click refused').map((l) => l.visitor)).toEqual(['bob', ADA, ADA, ADA]);
});

test('webchat actions - a click from a visitor outside allowFrom is refused and not published', async () => {
  const { gw, ws } = await bootWebchat(t, '    allowFrom: ["ada"]\n');
  const bob = await tab(t, ws, 'bob');
  const buttons = await ask(gw, bob, 'q-4', 'bob');
  bob.click('click-0007', 'wc_q-4', buttons[0]!.token);
  await expectRefused(bob, 'click-0007', 'this button cannot be used: not-in-allowFrom');
  const ada = await tab(t, ws, ADA);
  await gw.inboundBarrier((text) => ada.send(text, text));
  expect(gw.inbox.items).toEqual([]);
});
