import type { InboundAny, Receipt } from '../../core/contract/schemas';
import type { Collector } from './collector';
import type { Booted, GatewayTest } from './fixture';
import { loopbackConfig } from './harness';
import { uniquePrefix } from './nats-server';

/** The settings an emulator's `configure` takes (none for an emulator without it). */
type SettingsOf<E> = E extends { configure(settings: infer S): void } ? S : never;

/** What `boot` takes on every platform (each rig adds its own). */
export interface RigOptions<E, W> {
  /** YAML lines of the entry (indented 4), after its `allowFrom`. */
  extra?: string;
  /** Top-level YAML sections of the gateway config (`media:` ...). */
  top?: string;
  /** Settings of the emulator for this test (limits, timeouts, redelivery...). */
  emulator?: SettingsOf<E>;
  /** The entry's allowFrom (YAML), as it is or from the test's world; default everyone. */
  allowFrom?: string | ((world: W) => string);
}

/** One test's world on every platform: the emulator, a gateway with one entry on it, and what reaches NATS. */
export interface RigRun<E> {
  emu: E;
  prefix: string;
  gw: Booted;
  /** Every inbound envelope (messages and events). */
  inbox: Collector<InboundAny>;
  receipts: Collector<Receipt>;
  /** Publishes an outbound envelope for the instance. */
  send(env: Record<string, unknown>): void;
  /** The receipt of envelope `id`, once it came. */
  receipt(id: string, timeoutMs?: number): Promise<Receipt>;
}

/** What one platform's rig says about itself; the rest of `boot` is the same everywhere. */
export interface RigPlatform<E, W, O, X> {
  /** The plugin's channel; the entry is its `default` account. */
  channel: string;
  /** The test's apps, people and conversations on the emulator. */
  world(emu: E, o: O): W;
  /** The plugin entry for `world`, with `extra` (its allowFrom first) as its last keys. */
  entry(emu: E, world: W, extra: string, o: O): string;
  /** Resolves once the platform sees the gateway (connected, or polling). */
  connected(emu: E, world: W): Promise<unknown>;
  /** The platform's own members of the run (its world, what the bot called...). */
  extend(emu: E, world: W, gw: Booted): X;
  /** How long `receipt` waits unless told (default 15 s). */
  receiptTimeoutMs?: number;
}

/**
 * The `boot` of a platform's test rig on the fixture `t` (which starts the emulator for each test): it
 * applies the test's emulator settings, makes the world, starts a gateway with the platform's entry on a
 * prefix of its own and resolves once the platform sees it.
 */
export function rigBoot<E, W, O extends RigOptions<E, W>, X>(t: GatewayTest<E>, platform: RigPlatform<E, W, O, X>) {
  // Every boot option is optional.
  return async (o: O = {} as O): Promise<RigRun<E> & X> => {
    const emu = t.emu;
    if (o.emulator !== undefined) (emu as E & { configure(settings: SettingsOf<E>): void }).configure(o.emulator);
    const world = platform.world(emu, o);
    const prefix = uniquePrefix();
    const allowFrom = typeof o.allowFrom === 'function' ? o.allowFrom(world) : (o.allowFrom ?? '["*"]');
    const extra = `    allowFrom: ${allowFrom}\n${o.extra ?? ''}`;
    const gw = await t.boot(loopbackConfig(t.nats.url, prefix, platform.entry(emu, world, extra, o), o.top ?? ''));
    await platform.connected(emu, world);
    const receiptTimeoutMs = platform.receiptTimeoutMs ?? 15_000;
    return {
      emu,
      prefix,
      gw,
      inbox: gw.inbox as Collector<InboundAny>,
      receipts: gw.receipts,
      send: (env) => gw.publish(`${platform.channel}.default`, env),
      receipt: (id, timeoutMs = receiptTimeoutMs) => gw.receipts.waitForId(id, timeoutMs),
      ...platform.extend(emu, world, gw),
    };
  };
}
