import { REST, RateLimitError, type RESTOptions } from '@discordjs/rest';
import { Client, Events, GatewayIntentBits, Routes } from 'discord.js';
import { DiscordEmulator, type AppInfo } from '.';

const INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.DirectMessages | GatewayIntentBits.MessageContent;

describe('discord emulator', () => {
  let emu: DiscordEmulator;
  const clients: Client[] = [];
  const rests: REST[] = [];
  beforeEach(async () => {
    emu = new DiscordEmulator({ heartbeatIntervalMs: 500 });
    await emu.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.destroy()));
    for (const r of rests.splice(0)) {
      r.clearHashSweeper();
      r.clearHandlerSweeper();
    }
    await emu.stop();
    expect(emu.protocolErrors).toEqual([]);
  });

  const client = (intents = INTENTS) => {
    const c = new Client({ intents, rest: { api: emu.apiUrl, retries: 0 } });
    clients.push(c);
    return c;
  };
  const restFor = (app: AppInfo, o: Partial<RESTOptions> = {}) => {
    const r = new REST({ api: emu.apiUrl, retries: 0, ...o }).setToken(app.token);
    rests.push(r);
    return r;
  };
  const raw = (c: Client, t: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const on = (p: { t?: string; d?: Record<string, unknown> }) => {
        if (p.t !== t) return;
        c.off(Events.Raw, on);
        resolve(p.d!);
      };
      c.on(Events.Raw, on);
    });
  const world = () => {
    const app = emu.addApp({ name: 'Data Bot' });
    const tom = emu.addUser({ name: 'tom', displayName: 'Tom' });
    const guild = emu.addGuild({ name: 'Sales', apps: [app.appId], members: [tom.id], channels: ['general'] });
    return { app, tom, guild, channel: guild.channels[0]! };
  };
  const login = async (c: Client, app: AppInfo) => {
    const ready = new Promise<void>((r) => c.once(Events.ClientReady, () => r()));
    await c.login(app.token);
    await ready;
  };

  test('discord emulator - identify, READY and GUILD_CREATE: the client is ready with its guild and channel', async () => {
    const { app, guild, channel } = world();
    const c = client();
    await login(c, app);
    expect(c.user?.id).toBe(app.botUserId);
    expect(c.guilds.cache.get(guild.id)?.channels.cache.has(channel)).toBe(true);
    expect(emu.connections(app.appId)).toBe(1);
  });

  test('discord emulator - a wrong token: GET /gateway/bot answers 401 and login fails', async () => {
    world();
    const c = client();
    await expect(c.login('MTIz.abc.def')).rejects.toThrow(/token/i);
  });

  test('discord emulator - Message Content not enabled for the app: close 4014 Disallowed intent(s)', async () => {
    const app = emu.addApp({ name: 'No Content', messageContent: false });
    const c = client();
    const closed = new Promise<number>((r) => c.once(Events.ShardDisconnect, (e) => r(e.code)));
    void c.login(app.token).catch(() => undefined);
    expect(await closed).toBe(4014);
    expect(emu.gateway.connects.at(-1)).toMatchObject({ op: 'identify', ok: false, code: 4014 });
  });

  test('discord emulator - without Message Content a guild message not mentioning the bot comes with empty content', async () => {
    const app = emu.addApp({ name: 'Quiet', messageContent: false });
    const tom = emu.addUser({ name: 'tom' });
    const g = emu.addGuild({ name: 'G', apps: [app.appId], members: [tom.id] });
    const c = client(INTENTS & ~GatewayIntentBits.MessageContent);
    await login(c, app);
    const first = raw(c, 'MESSAGE_CREATE');
    emu.post({ channel: g.channels[0]!, user: tom.id, content: 'secret' });
    expect((await first).content).toBe('');
    const second = raw(c, 'MESSAGE_CREATE');
    emu.post({ channel: g.channels[0]!, user: tom.id, content: `<@${app.botUserId}> hello` });
    expect((await second).content).toBe(`<@${app.botUserId}> hello`);
  });

  test('discord emulator - a dropped socket resumes on resume_gateway_url and replays what it missed', async () => {
    const { app, tom, channel } = world();
    const c = client();
    await login(c, app);
    const seen: string[] = [];
    c.on(Events.Raw, (p: { t?: string; d?: { content?: string } }) => {
      if (p.t === 'MESSAGE_CREATE') seen.push(p.d!.content!);
    });
    const resumed = new Promise<void>((r) => c.once(Events.ShardResume, () => r()));
    emu.dropConnections(app.appId);
    emu.post({ channel, user: tom.id, content: 'while away' });
    await resumed;
    expect(seen).toEqual(['while away']);
    expect(emu.gateway.connects.filter((x) => x.op === 'resume')).toEqual([{ appId: app.appId, op: 'resume', ok: true, replayed: 1 }]);
  });

  test('discord emulator - nonce with enforce_nonce: the same nonce returns the first message, nothing posted twice', async () => {
    const { app, channel } = world();
    const rest = restFor(app);
    const body = { content: 'once', nonce: 'n-1', enforce_nonce: true };
    const a = (await rest.post(Routes.channelMessages(channel), { body })) as { id: string };
    const b = (await rest.post(Routes.channelMessages(channel), { body })) as { id: string };
    expect(b.id).toBe(a.id);
    expect(emu.posted(app.appId).map((r) => r.message.content)).toEqual(['once']);
  });

  test('discord emulator - content over 2,000 characters: 50035 Invalid Form Body', async () => {
    const { app, channel } = world();
    const rest = restFor(app);
    await expect(rest.post(Routes.channelMessages(channel), { body: { content: 'x'.repeat(2001) } })).rejects.toMatchObject({
      code: 50035,
      status: 400,
    });
  });

  test('discord emulator - the sixth message in 5 s to one channel is refused: 429 with retry_after', async () => {
    const { app, channel } = world();
    const rest = restFor(app);
    for (let i = 0; i < 5; i++) await rest.post(Routes.channelMessages(channel), { body: { content: `m${i}` } });
    // A client that does not know the bucket yet sends the sixth: Discord refuses it.
    const fresh = restFor(app, { rejectOnRateLimit: () => true });
    const err = await fresh.post(Routes.channelMessages(channel), { body: { content: 'm5' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfter).toBeGreaterThan(1000);
    expect(emu.rest.limits.refusals).toEqual([{ route: 'POST /channels/:id/messages', global: false }]);
    expect(emu.posted(app.appId)).toHaveLength(5);
  });

  test('discord emulator - an interaction answered after the deadline: 10062 Unknown interaction', async () => {
    emu.configure({ interactionDeadlineMs: 200 });
    const { app, tom, channel } = world();
    const rest = restFor(app);
    const posted = (await rest.post(Routes.channelMessages(channel), {
      body: { content: 'pick', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Go', custom_id: 'tok1' }] }] },
    })) as { id: string };
    const c = client();
    await login(c, app);
    const got = raw(c, 'INTERACTION_CREATE');
    const outcome = emu.click({ message: posted.id, user: tom.id, label: 'Go' });
    const i = (await got) as { id: string; token: string; data: { custom_id: string } };
    expect(i.data.custom_id).toBe('tok1');
    expect(await outcome).toEqual({ acked: false, code: 10062 });
    await expect(rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 6 }, auth: false })).rejects.toMatchObject({
      code: 10062,
    });
  });
});
