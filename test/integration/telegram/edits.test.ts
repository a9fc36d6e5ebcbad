import { telegramRig, type TelegramRun } from './rig';

const { boot } = telegramRig();

/** Sends `env` to the group; resolves the message ids it created. */
async function posted(r: TelegramRun, env: Record<string, unknown>) {
  r.send({ conversation: { id: String(r.group.id) }, ...env });
  const receipt = await r.receipt(String(env.id));
  expect(receipt.ok).toBe(true);
  return receipt.messageIds!.map((id) => Number(id.split(':')[1]));
}

test('telegram edits - an edit replaces text and buttons with editMessageText; the same content again is not an error', async () => {
  const r = await boot();
  const [id] = await posted(r, { id: 'm1', text: 'Deploy **v1**?', format: 'markdown', actions: [{ id: 'ok', label: 'OK' }] });
  r.send({ id: 'e1', edit: 'm1', text: 'Deploying **v1**…', format: 'markdown' });
  expect(await r.receipt('e1')).toMatchObject({ ok: true, messageIds: [`${r.group.id}:${id}`] });
  expect(r.emu.message(r.bot, r.group, id!)).toMatchObject({ text: 'Deploying v1…', entities: [{ type: 'bold', offset: 10, length: 2 }] });
  expect(r.emu.buttons(r.bot, r.group, id!)).toEqual([]);
  // The same snapshot again: Telegram answers "message is not modified", which is done for us.
  r.send({ id: 'e2', edit: 'm1', text: 'Deploying **v1**…', format: 'markdown' });
  expect(await r.receipt('e2')).toMatchObject({ ok: true });
  expect(r.emu.requests.filter((q) => q.method === 'editmessagetext').map((q) => q.status)).toEqual([200, 400]);
  r.send({ id: 'e3', edit: 'm1', text: 'x'.repeat(5000) });
  expect(await r.receipt('e3')).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE', retryable: false } });
});

test('telegram edits - an edit of a split message keeps the first piece and deletes the others', async () => {
  const r = await boot();
  const long = Array.from({ length: 400 }, (_, i) => `line ${i} of the report`).join('\n');
  const ids = await posted(r, { id: 'm2', text: long });
  expect(ids.length).toBeGreaterThan(1);
  r.send({ id: 'e4', edit: 'm2', text: 'the short version' });
  await r.receipt('e4');
  expect(r.emu.message(r.bot, r.group, ids[0]!)!.text).toBe('the short version');
  expect(ids.slice(1).map((id) => r.emu.message(r.bot, r.group, id))).toEqual(ids.slice(1).map(() => undefined));
});

test("telegram edits - delete removes the message; past 48 hours Telegram's own refusal is the receipt", async () => {
  const r = await boot();
  const [id] = await posted(r, { id: 'd1', text: 'temporary' });
  r.send({ id: 'd1.x', delete: 'd1' });
  expect(await r.receipt('d1.x')).toMatchObject({ ok: true, messageIds: [`${r.group.id}:${id}`] });
  expect(r.emu.message(r.bot, r.group, id!)).toBeUndefined();
  r.send({ id: 'd1.e', edit: 'd1', text: 'too late' });
  expect(await r.receipt('d1.e')).toMatchObject({ ok: false, error: { code: 'E_UNSUPPORTED' } });

  const [old] = await posted(r, { id: 'd2', text: 'old news' });
  r.emu.ageMessage(r.bot, r.group, old!, 49);
  r.send({ id: 'd2.x', delete: 'd2' });
  const refused = await r.receipt('d2.x');
  expect(refused).toMatchObject({ ok: false, attempts: 1, error: { code: 'E_UNSUPPORTED', retryable: false, platformCode: 400 } });
  expect(refused.error!.message).toBe(
    "Telegram refused the delete: Bad Request: message can't be deleted for everyone (bots can delete messages for everyone only within 48 hours of sending)",
  );
  expect(r.emu.message(r.bot, r.group, old!)).toBeDefined();
});
