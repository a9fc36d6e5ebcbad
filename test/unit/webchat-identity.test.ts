import { signToken, verifyToken } from '../../plugins/webchat/identity';
import { RateLimit } from '../../plugins/webchat/rate';

const SECRET = 'unit-secret';
const NOW = Date.UTC(2026, 0, 1);
const exp = NOW / 1000 + 60;

test('webchat identity - verifyToken takes a valid HS256 token and refuses each broken claim with its reason', () => {
  expect(verifyToken(signToken({ sub: 'u1', exp, name: 'Ann' }, SECRET), SECRET, 'webchat:a', NOW)).toEqual({
    sub: 'u1',
    exp,
    name: 'Ann',
  });
  const refused = (claims: Record<string, unknown>) => verifyToken(signToken(claims, SECRET), SECRET, 'webchat:a', NOW);
  expect(refused({ sub: 'u1', exp, nbf: exp })).toEqual({ refused: 'identity is not valid yet (nbf)' });
  expect(refused({ sub: 'u1', exp, aud: 'webchat:b' })).toEqual({ refused: 'identity is for another chat (aud must be "webchat:a")' });
  expect(refused({ sub: 'u1', exp, aud: 'webchat:a' })).toMatchObject({ sub: 'u1' });
  expect(refused({ sub: '', exp })).toEqual({ refused: 'identity sub must be 1-128 printable characters' });
  expect(refused({ sub: 'a\nb', exp })).toEqual({ refused: 'identity sub must be 1-128 printable characters' });
  expect(refused({ sub: 'x'.repeat(129), exp })).toEqual({ refused: 'identity sub must be 1-128 printable characters' });
  expect(refused({ sub: 'u1', exp: NOW / 1000 })).toEqual({ refused: 'identity expired: the site must sign a new one' });
  expect(refused({ sub: 'u1', exp, name: 7 })).toEqual({ refused: 'identity name must be a string' });
  expect(verifyToken('a.b', SECRET, 'webchat:a', NOW)).toEqual({ refused: 'identity is not a signed token (header.payload.signature)' });
  expect(verifyToken('!!.??.x', SECRET, 'webchat:a', NOW)).toEqual({ refused: 'identity token is not base64url JSON' });
  const hs512 = `${Buffer.from(JSON.stringify({ alg: 'HS512'.repeat(10) })).toString('base64url')}.e30.x`;
  expect(verifyToken(hs512, SECRET, 'webchat:a', NOW)).toEqual({
    refused: 'identity token must be signed with HS256 (got "HS512HS512HS512HS512")',
  });
});

test('webchat identity - the rate limit counts per visitor per minute and says how long to wait', () => {
  const rate = new RateLimit(2);
  expect([rate.take('a', 0), rate.take('a', 10), rate.take('a', 20_000), rate.take('b', 20_000)]).toEqual([
    undefined,
    undefined,
    40_000,
    undefined,
  ]);
  expect(rate.take('a', 60_000)).toBeUndefined();
});
