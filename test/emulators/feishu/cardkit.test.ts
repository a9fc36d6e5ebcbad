import { Codes, FeishuEmulator, MAX_EDITS } from './index';
import { feishuErrorOf, makeClient, newCredentials } from './sdk-harness';

const CHAT = 'oc_5ce6d5720a1b2c3d4e5f60718293a4b5';
let emu: FeishuEmulator;

beforeEach(async () => {
  emu = new FeishuEmulator();
  await emu.start();
});
afterEach(() => emu.stop());

function apiApp() {
  const creds = newCredentials();
  emu.addApp(creds);
  return { creds, client: makeClient(emu.url, creds) };
}

const card = (text: string, streaming = true) =>
  JSON.stringify({
    schema: '2.0',
    config: { streaming_mode: streaming },
    body: { elements: [{ tag: 'markdown', element_id: 'md', content: text }] },
  });

/** The Feishu code an SDK call answered (0 when it succeeded). */
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 0,
    (e: unknown) => feishuErrorOf(e).code,
  );

async function streamingCard(client: ReturnType<typeof makeClient>, text = '…') {
  const created = await client.cardkit.v1.card.create({ data: { type: 'card_json', data: card(text) } });
  const cardId = created.data!.card_id!;
  const sent = await client.im.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT, msg_type: 'interactive', content: JSON.stringify({ type: 'card', data: { card_id: cardId } }) },
  });
  return { cardId, messageId: sent.data!.message_id! };
}

const stream = (client: ReturnType<typeof makeClient>, cardId: string, content: string, sequence: number, uuid?: string) =>
  client.cardkit.v1.cardElement.content({
    path: { card_id: cardId, element_id: 'md' },
    data: { content, sequence, ...(uuid ? { uuid } : {}) },
  });

test('feishu emulator - a card entity streams into its message: full text each time, sequence strictly increasing', async () => {
  const { client } = apiApp();
  const { cardId, messageId } = await streamingCard(client);
  expect(cardId).toMatch(/^7\d{18}$/);
  await stream(client, cardId, 'Once', 1);
  await stream(client, cardId, 'Once upon', 2);
  expect(emu.shownText(messageId)).toBe('Once upon');
  expect(await codeOf(stream(client, cardId, 'Once upon a', 2))).toBe(Codes.cardSequence.code);
  expect(await codeOf(stream(client, cardId, 'Once', 1))).toBe(Codes.cardSequence.code);
  // The same uuid again is carried out once: success, no change.
  await stream(client, cardId, 'Once upon a time', 5, 'u-5');
  await stream(client, cardId, 'Once upon a time', 5, 'u-5');
  await client.cardkit.v1.card.settings({
    path: { card_id: cardId },
    data: { settings: JSON.stringify({ config: { streaming_mode: false } }), sequence: 6 },
  });
  expect(emu.card(messageId)).toMatchObject({ cardId, streaming: false, closedBy: 'settings', sequence: 6 });
  expect(await codeOf(stream(client, cardId, 'late', 7))).toBe(Codes.cardStreamingClosed.code);
  // A closed card is still replaced whole.
  await client.cardkit.v1.card.update({
    path: { card_id: cardId },
    data: { card: { type: 'card_json', data: card('The end', false) }, sequence: 8 },
  });
  expect(emu.shownText(messageId)).toBe('The end');
  expect(emu.card(cardId)!.operations.map((o) => o.op)).toEqual(['create', 'content', 'content', 'content', 'settings', 'update']);
});

test('feishu emulator - streaming ends by itself after its time limit: 200850', async () => {
  const { client } = apiApp();
  emu.setCardStreamingLimit(50);
  const { cardId } = await streamingCard(client);
  await new Promise((r) => setTimeout(r, 80));
  expect(await codeOf(stream(client, cardId, 'too late', 1))).toBe(Codes.cardStreamingTimeout.code);
  expect(emu.card(cardId)).toMatchObject({ streaming: false, closedBy: 'timeout' });
});

test('feishu emulator - only the creating app operates a card, which is sent once; 10 operations per second per card', async () => {
  const { client } = apiApp();
  const other = apiApp().client;
  const { cardId } = await streamingCard(client);
  expect(await codeOf(stream(other, cardId, 'hijack', 1))).toBe(Codes.cardNotOwner.code);
  const again = other.im.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT, msg_type: 'interactive', content: JSON.stringify({ type: 'card', data: { card_id: cardId } }) },
  });
  expect(await codeOf(again)).toBe(230099);
  expect(await codeOf(stream(client, '7000000000000000000', 'x', 1))).toBe(Codes.cardNotFound.code);
  const codes: number[] = [];
  for (let i = 1; i <= 11; i++) codes.push((await codeOf(stream(client, cardId, `t${i}`, i))) as number);
  expect(codes.slice(0, 10)).toEqual(Array(10).fill(0));
  expect(codes[10]).toBe(230020);
});

test('feishu emulator - cards are JSON 2.0 with unique element ids', async () => {
  const { client } = apiApp();
  const v1 = JSON.stringify({ elements: [{ tag: 'markdown', content: 'x' }] });
  expect(await codeOf(client.cardkit.v1.card.create({ data: { type: 'card_json', data: v1 } }))).toBe(Codes.cardParseFailed.code);
  const dup = JSON.stringify({
    schema: '2.0',
    body: {
      elements: [
        { tag: 'markdown', element_id: 'a', content: 'x' },
        { tag: 'markdown', element_id: 'a', content: 'y' },
      ],
    },
  });
  expect(await codeOf(client.cardkit.v1.card.create({ data: { type: 'card_json', data: dup } }))).toBe(Codes.cardDuplicateElementId.code);
});

test('feishu emulator - text edits (PUT) stop at 20; cards are patched; messages are recalled', async () => {
  const { client } = apiApp();
  const sent = await client.im.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT, msg_type: 'text', content: JSON.stringify({ text: 'v0' }) },
  });
  const messageId = sent.data!.message_id!;
  for (let i = 1; i <= MAX_EDITS; i++) {
    await client.im.message.update({
      path: { message_id: messageId },
      data: { msg_type: 'text', content: JSON.stringify({ text: `v${i}` }) },
    });
  }
  expect(emu.shownText(messageId)).toBe(`v${MAX_EDITS}`);
  const over = client.im.message.update({
    path: { message_id: messageId },
    data: { msg_type: 'text', content: JSON.stringify({ text: 'one more' }) },
  });
  expect(await codeOf(over)).toBe(Codes.editLimit.code);
  const patchText = client.im.message.patch({ path: { message_id: messageId }, data: { content: card('x', false) } });
  expect(await codeOf(patchText)).toBe(Codes.invalidParam.code);

  const c = await client.im.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT, msg_type: 'interactive', content: card('a card', false) },
  });
  const cardMessage = c.data!.message_id!;
  await client.im.message.patch({ path: { message_id: cardMessage }, data: { content: card('patched', false) } });
  expect(emu.shownText(cardMessage)).toBe('patched');
  const putCard = client.im.message.update({ path: { message_id: cardMessage }, data: { msg_type: 'text', content: '{"text":"no"}' } });
  expect(await codeOf(putCard)).toBe(Codes.notEditable.code);

  await client.im.message.delete({ path: { message_id: cardMessage } });
  expect(emu.recalled(cardMessage)).toBe(true);
  expect(await codeOf(client.im.message.delete({ path: { message_id: cardMessage } }))).toBe(230011);
  expect(emu.changes.map((x) => x.kind)).toEqual([...Array(MAX_EDITS).fill('update'), 'patch', 'delete']);
});
