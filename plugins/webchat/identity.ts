import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PluginStore } from '../../core/plugin';

/** Claims of a visitor token: the site's user id (`sub`), its expiry (`exp`, seconds) and a display name. */
export interface VisitorClaims {
  sub: string;
  exp: number;
  name?: string;
  aud?: string;
  iss?: string;
  nbf?: number;
}

/** A visitor the gateway trusts: the id agents see as `sender.id` and `conversation.id`. */
export interface Visitor {
  id: string;
  name?: string;
  /** Issued by the gateway itself (anonymous mode), not by the embedding site. */
  anonymous: boolean;
}

const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');
/** Sub claims: what a site's user id may look like (printable, no control characters). */
const SUB_PATTERN = /^[^\u0000-\u001f\u007f]{1,128}$/;
const HEADER = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** Signs claims as a compact JWT with HS256, the format any JWT library of the embedding site produces. */
export function signToken(claims: Record<string, unknown>, secret: string | Buffer): string {
  const body = `${HEADER}.${b64(JSON.stringify(claims))}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/**
 * Verifies a compact HS256 JWT and returns its claims, or why it is refused. Only HS256 is taken (no
 * `alg: none`, no algorithm switch); `exp` is required and must be in the future; `nbf`, when given,
 * must have passed; `aud`, when given, must be `audience`.
 */
export function verifyToken(
  token: string,
  secret: string | Buffer,
  audience: string,
  now = Date.now(),
): VisitorClaims | { refused: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { refused: 'identity is not a signed token (header.payload.signature)' };
  const [header, payload, signature] = parts as [string, string, string];
  let alg: unknown;
  let claims: VisitorClaims;
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as VisitorClaims;
  } catch {
    return { refused: 'identity token is not base64url JSON' };
  }
  if (alg !== 'HS256') return { refused: `identity token must be signed with HS256 (got ${JSON.stringify(String(alg).slice(0, 20))})` };
  const want = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== want.length || !timingSafeEqual(given, want)) return { refused: 'identity signature is not valid' };
  if (typeof claims !== 'object' || claims === null) return { refused: 'identity claims are not an object' };
  if (typeof claims.sub !== 'string' || !SUB_PATTERN.test(claims.sub))
    return { refused: 'identity sub must be 1-128 printable characters' };
  if (typeof claims.exp !== 'number') return { refused: 'identity token has no exp' };
  if (claims.exp * 1000 <= now) return { refused: 'identity expired: the site must sign a new one' };
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 > now) return { refused: 'identity is not valid yet (nbf)' };
  if (claims.aud !== undefined && claims.aud !== audience) return { refused: `identity is for another chat (aud must be "${audience}")` };
  if (claims.name !== undefined && typeof claims.name !== 'string') return { refused: 'identity name must be a string' };
  return claims;
}

/** How long an anonymous visitor id the gateway issues stays valid; every connection renews it. */
const ANONYMOUS_TTL_S = 90 * 24 * 3600;
/** The store keeps a key 24 h after its last write: written again this often. */
const KEY_REFRESH_MS = 6 * 3600 * 1000;

/**
 * Who a connection is. With `identitySecret`, only tokens the embedding site signed (its user id as
 * `sub`); without, ids the gateway issues and signs itself. The gateway's own key (for anonymous ids
 * and file links) lives in the instance store, so every replica signs and checks alike.
 */
export class Identities {
  private key = Buffer.alloc(0);
  private refresh?: NodeJS.Timeout;

  constructor(
    private readonly store: PluginStore,
    private readonly identitySecret: string,
    /** `webchat:<account>`: the audience of every token of this chat. */
    readonly audience: string,
  ) {}

  async start(): Promise<void> {
    let key = await this.store.get('signing-key');
    if (!key) {
      await this.store.put('signing-key', randomBytes(32).toString('base64url'));
      // Two replicas starting at once both wrote: the one read back is the one both use.
      key = (await this.store.get('signing-key'))!;
    } else await this.store.put('signing-key', key);
    this.key = Buffer.from(key, 'base64url');
    this.refresh = setInterval(() => void this.store.put('signing-key', key).catch(() => undefined), KEY_REFRESH_MS);
    this.refresh.unref();
  }

  stop(): void {
    clearInterval(this.refresh);
  }

  get signed(): boolean {
    return this.identitySecret !== '';
  }

  /** The visitor a token names, or why it is refused. */
  check(token: string): Visitor | { refused: string } {
    if (this.signed) {
      const claims = verifyToken(token, this.identitySecret, this.audience);
      if ('refused' in claims) return claims;
      if (claims.iss === 'chat-gateway') return { refused: 'identity was issued by the gateway, not signed by the site' };
      return { id: claims.sub, ...(claims.name ? { name: claims.name } : {}), anonymous: false };
    }
    const claims = verifyToken(token, this.subkey('visitor'), this.audience);
    if ('refused' in claims) return claims;
    return { id: claims.sub, anonymous: true };
  }

  /** A new or renewed anonymous identity (anonymous mode only). */
  issue(visitorId = `v_${randomBytes(12).toString('base64url')}`): { visitor: Visitor; token: string } {
    const exp = Math.floor(Date.now() / 1000) + ANONYMOUS_TTL_S;
    const token = signToken({ sub: visitorId, exp, aud: this.audience, iss: 'chat-gateway' }, this.subkey('visitor'));
    return { visitor: { id: visitorId, anonymous: true }, token };
  }

  /** Signs a small gateway-internal claim set (file links, upload receipts) valid for `ttlS` seconds. */
  seal(purpose: string, claims: Record<string, unknown>, ttlS: number): string {
    return signToken({ ...claims, sub: purpose, exp: Math.floor(Date.now() / 1000) + ttlS, aud: this.audience }, this.subkey(purpose));
  }

  /** The claims of a sealed value of `purpose`, or undefined when forged, expired or of another purpose. */
  unseal(purpose: string, token: string): Record<string, unknown> | undefined {
    const claims = verifyToken(token, this.subkey(purpose), this.audience);
    return 'refused' in claims || claims.sub !== purpose ? undefined : (claims as unknown as Record<string, unknown>);
  }

  private subkey(purpose: string): Buffer {
    return createHmac('sha256', this.key).update(`webchat ${purpose}`).digest();
  }
}
