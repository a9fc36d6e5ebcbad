import { randomBytes } from 'node:crypto';

/** Every barrier marker's id and text start with this (a prefix no real message uses). */
export const MARKER_PREFIX = '__barrier__';

/** A new marker: valid as an envelope id and as message text on every platform. */
export function newMarker(): string {
  return `${MARKER_PREFIX}${randomBytes(6).toString('hex')}`;
}

/**
 * Whether `item` carries a marker (any one, or `marker` exactly): a receipt or envelope by its id, an
 * inbound envelope by its text, a platform record by its text, uuid (Feishu) or envelope id (loopback).
 */
export function isMarker(item: unknown, marker: string = MARKER_PREFIX): boolean {
  const x = item as {
    id?: unknown;
    text?: unknown;
    uuid?: unknown;
    message?: { text?: unknown };
    envelope?: { id?: unknown };
    content?: { text?: unknown };
  } | null;
  if (typeof item === 'string') return item.includes(marker);
  if (!x || typeof x !== 'object') return false;
  return [x.id, x.text, x.uuid, x.message?.text, x.envelope?.id, x.content?.text].some((v) => typeof v === 'string' && v.includes(marker));
}

/** `list` without barrier markers: what a platform or agent got from the test itself. */
export function withoutMarkers<T>(list: readonly T[]): T[] {
  return list.filter((x) => !isMarker(x));
}
