import { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import { describeFailure, toDeliveryError } from '../../plugins/discord/errors';
import { argsOf } from '../../plugins/discord/inbound-events';
import { partsOf, toDraft } from '../../plugins/discord/inbound';
import { tokenProblems } from '../../plugins/discord/options';
import { componentsOf, renderPieces } from '../../plugins/discord/outbound';
import { discordEmoji, neutralEmoji } from '../../plugins/discord/reactions';

const BOT = { userId: '111111111111111111', applicationId: '111111111111111111', name: 'bot' };
const request = { files: undefined, body: undefined };

describe('discord errors', () => {
  test('discord errors - a JSON error keeps its code as platformCode and says what to fix', () => {
    const err = new DiscordAPIError({ code: 50013, message: 'Missing Permissions' }, 50013, 403, 'POST', '/channels/1/messages', request);
    const d = toDeliveryError(describeFailure(err), 'create message');
    expect(d).toMatchObject({ retryable: false, platformCode: 50013, code: 'E_PLATFORM' });
    expect(d.message).toBe(
      'create message: Discord answered 403 code 50013: Missing Permissions (the bot lacks a permission here (Send Messages, Add Reactions, Attach Files, Manage Messages...))',
    );
  });

  test('discord errors - 40005 is E_TOO_LARGE; a 5xx without a code is retryable; a 429 carries retry_after', () => {
    const big = new DiscordAPIError({ code: 40005, message: 'Request entity too large' }, 40005, 413, 'POST', '/x', request);
    expect(toDeliveryError(describeFailure(big), 'upload')).toMatchObject({ code: 'E_TOO_LARGE', platformCode: 40005, retryable: false });
    const down = new HTTPError(502, 'Bad Gateway', 'POST', '/x', request);
    expect(toDeliveryError(describeFailure(down), 'create message')).toMatchObject({ retryable: true, platformCode: 502 });
    const limited = new RateLimitError({
      global: false,
      method: 'POST',
      url: '/x',
      route: '/channels/:id/messages',
      majorParameter: '1',
      hash: 'h',
      limit: 5,
      timeToReset: 900,
      retryAfter: 1250,
      sublimitTimeout: 0,
      scope: 'user',
    });
    expect(toDeliveryError(describeFailure(limited), 'create message')).toMatchObject({
      retryable: true,
      code: 'E_RATE_LIMITED',
      retryAfterMs: 1250,
      platformCode: 429,
    });
  });

  test('discord errors - no answer at all is retryable', () => {
    expect(toDeliveryError(describeFailure(new TypeError('fetch failed')), 'edit message')).toMatchObject({ retryable: true });
  });
});

describe('discord inbound', () => {
  test('discord inbound - a reply that pings the bot is mentioned; replyTo names the message answered', () => {
    const d = toDraft(
      {
        id: '333333333333333333',
        channel_id: '222222222222222222',
        guild_id: '444444444444444444',
        author: { id: '555555555555555555', username: 'tom', global_name: 'Tom' },
        member: { nick: 'Tommy' },
        content: 'sure',
        mentions: [{ id: BOT.userId, username: 'bot' }],
        message_reference: { message_id: '666666666666666666', channel_id: '222222222222222222' },
        type: 19,
      },
      BOT,
    );
    expect(d).toMatchObject({
      messageId: '222222222222222222:333333333333333333',
      conversation: { id: '222222222222222222', type: 'group' },
      sender: { id: '555555555555555555', name: 'Tommy', kind: 'user' },
      mentioned: true,
      replyTo: '222222222222222222:666666666666666666',
    });
  });

  test('discord inbound - @everyone is a mention of all only when Discord says it pinged', () => {
    const base = { id: '1', channel_id: '2', author: { id: '3' }, content: '@everyone hi' };
    expect(partsOf({ ...base, mention_everyone: true }, BOT.userId)[0]).toEqual({
      type: 'mention',
      id: 'all',
      name: 'everyone',
      self: false,
    });
    expect(partsOf({ ...base, mention_everyone: false }, BOT.userId)).toEqual([{ type: 'text', text: '@everyone hi' }]);
  });

  test('discord inbound - slash command options become args', () => {
    expect(argsOf([{ name: 'text', type: 3, value: 'prod now' }])).toBe('prod now');
    expect(
      argsOf([
        { name: 'env', type: 3, value: 'prod' },
        { name: 'force', type: 5, value: true },
      ]),
    ).toBe('env:prod force:true');
    expect(argsOf([{ name: 'db', type: 2, options: [{ name: 'migrate', type: 1, options: [{ name: 'to', type: 4, value: 42 }] }] }])).toBe(
      'db migrate 42',
    );
    expect(argsOf()).toBe('');
  });
});

describe('discord outbound', () => {
  test('discord outbound - pieces of at most 2,000 characters; plain text escaped, markdown kept', () => {
    const pieces = renderPieces({ text: 'x'.repeat(4500), format: 'markdown' });
    expect(pieces.map((p) => p.length)).toEqual([2000, 2000, 500]);
    expect(renderPieces({ text: '1. *a* _b_', format: 'plain' })).toEqual(['1\\. \\*a\\* \\_b\\_']);
    expect(renderPieces({ text: '   ' })).toEqual([]);
  });

  test('discord outbound - buttons in rows of five with Discord styles and the token as custom_id', () => {
    const buttons = Array.from({ length: 7 }, (_, i) => ({
      id: `b${i}`,
      label: `B${i}`,
      style: (['primary', 'default', 'danger'] as const)[i % 3]!,
      token: `tok${i}`,
    }));
    const rows = componentsOf(buttons) as Array<{ components: Array<{ style: number; custom_id: string }> }>;
    expect(rows.map((r) => r.components.length)).toEqual([5, 2]);
    expect(rows[0]!.components.slice(0, 3).map((c) => [c.style, c.custom_id])).toEqual([
      [1, 'tok0'],
      [2, 'tok1'],
      [4, 'tok2'],
    ]);
  });

  test('discord reactions - neutral names both ways; native emoji and custom name:id pass through; unknown names refused', () => {
    expect(discordEmoji('thumbsup')).toBe('👍');
    expect(discordEmoji(':eyes:')).toBe('👀');
    expect(discordEmoji('🦄')).toBe('🦄');
    expect(discordEmoji('party:112233445566778899')).toBe('party:112233445566778899');
    expect(() => discordEmoji('party_parrot')).toThrow(/no emoji named "party_parrot"/);
    expect(neutralEmoji({ id: null, name: '👍' })).toBe('thumbsup');
    expect(neutralEmoji({ id: null, name: '❤' })).toBe('heart');
    expect(neutralEmoji({ id: '1122', name: 'party' })).toBe('party:1122');
  });

  test('discord options - a token with "Bot ", an application id or a client secret is named at config time', () => {
    expect(tokenProblems({ token: 'Bot abc.def.ghi' })[0]!.message).toContain('"Bot "');
    expect(tokenProblems({ token: '1187123456789012345' })[0]!.message).toContain('application id');
    expect(tokenProblems({ token: 'k3yS3cretWithoutDots' })[0]!.message).toContain('not a bot token');
    expect(tokenProblems({ token: 'MTE4.GhIjKl.abcdefghijklmnop' })).toEqual([]);
  });
});
