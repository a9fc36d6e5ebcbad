import type { InboundEnvelope } from '../../../core/contract/schemas';
import { client, eventually, inboundBarrier } from '../../support';
import { discordRig } from './rig';

const { t, boot } = discordRig({ nats: { own: true } });

test('discord inbound - while NATS is down a dispatch is held and tried again; it arrives once NATS is back, in order', async () => {
  const r = await boot();
  await t.nats.stop();
  t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: 'during the outage' });
  t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: 'right after' });
  await eventually(
    () => r.gw.logs.messages().includes('NATS cannot store Discord MESSAGE_CREATE; trying again'),
    'a retry of the dispatch',
    20_000,
  );
  await t.nats.restart();
  const nc2 = await client(t.nats.url);
  t.defer(() => nc2.close());
  const late = await t.collect<InboundEnvelope>(`${r.prefix}.in.>`, nc2);
  await late.waitFor(2, 30_000);
  await inboundBarrier(late, (text) => t.emu.post({ channel: r.ws.dm, user: r.ws.tom.id, content: text }));
  expect(late.items.map((e) => e.message.text)).toEqual(['during the outage', 'right after']);
}, 60_000);
