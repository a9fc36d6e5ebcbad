import { NamePattern } from '../contract/schemas';
import type { ErrorListener } from './types';

/** How `AgentClient.connect` reaches NATS and the gateway. */
export interface AgentClientOptions {
  /** NATS server URL(s). Default: `NATS_URL` (comma-separated list allowed), else `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  /** The gateway's `nats.prefix`. Default `chat`. */
  prefix?: string;
  /** Connection name shown by the NATS server. Default `chat-gateway-agent`. */
  name?: string;
  user?: string;
  pass?: string;
  token?: string;
  /** How long `reply()` and `send()` wait for the receipt. Default 60000. */
  receiptTimeoutMs?: number;
  /** Handler errors, invalid inbound envelopes and consumer problems. Default: a line on stderr. */
  onError?: ErrorListener;
}

/** A valid channel or account name. */
export const NAME = new RegExp(NamePattern);

/** The servers of `NATS_URL` (comma-separated), else the local default. */
export function defaultServers(): string[] {
  const env = process.env.NATS_URL?.trim();
  return env
    ? env
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : ['nats://127.0.0.1:4222'];
}

/** `value` when it is a valid channel or account name; throws saying which one is not. */
export function checkName(what: string, value: string | undefined): string | undefined {
  if (value !== undefined && !NAME.test(value)) throw new Error(`${what} ${JSON.stringify(value)} is not a valid name (${NamePattern})`);
  return value;
}
