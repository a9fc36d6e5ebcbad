import type { NatsConnection } from '@nats-io/transport-node';
import type { InboundEnvelope, Receipt } from '../../core/contract/schemas';
import { inboundBarrier, outboundBarrier } from './barrier';
import { Collector } from './collector';
import { startEmulator as startDingTalk } from './dingtalk';
import { startEmulator as startDiscord } from './discord';
import { stopEmulator } from './emulators';
import { startEmulator as startFeishu } from './feishu';
import { client, eventually, startFromFile, writeConfig, type StartOptions, type Started } from './harness';
import { startNats, type TestNats } from './nats-server';
import { startEmulator as startSlack } from './slack';
import { startEmulator as startTelegram } from './telegram';
import { startEmulator as startWeCom } from './wecom';

/** A status event as `<prefix>.status.<channel>.<account>` carries it. */
export interface StatusEvent {
  channel: string;
  account: string;
  state: string;
  detail?: string;
}

const EMULATORS = {
  feishu: startFeishu,
  slack: () => startSlack(),
  telegram: startTelegram,
  discord: () => startDiscord(),
  dingtalk: () => startDingTalk(),
  wecom: () => startWeCom(),
};
type Emulators = { [K in keyof typeof EMULATORS]: Awaited<ReturnType<(typeof EMULATORS)[K]>> };
export type EmulatorName = keyof Emulators;

/**
 * A gateway started by the fixture, with collectors on its prefix's inbound, receipt and status
 * subjects (subscribed before it started, so the first status events are there too).
 */
export class Booted implements Started {
  gateway!: Started['gateway'];
  logs!: Started['logs'];

  constructor(
    private readonly nc: NatsConnection,
    readonly file: string,
    readonly prefix: string,
    readonly inbox: Collector<InboundEnvelope>,
    readonly receipts: Collector<Receipt>,
    readonly statuses: Collector<StatusEvent>,
    private readonly options: StartOptions,
  ) {}

  async start(): Promise<this> {
    Object.assign(this, await startFromFile(this.file, this.options));
    return this;
  }

  /** Publishes an outbound envelope (an object as JSON, a string or bytes as they are) on `<prefix>.out.<target>`. */
  publish(target: string, envelope: object | string | Uint8Array): void {
    const data = typeof envelope === 'string' || envelope instanceof Uint8Array ? envelope : JSON.stringify(envelope);
    this.nc.publish(`${this.prefix}.out.${target}`, data);
  }

  /** `outboundBarrier` for `conversation` of `<channel>.<account>` (`target`), waited for in `receipts`. */
  outboundBarrier(target: string, conversation: string): Promise<Receipt> {
    return outboundBarrier(this.nc, this.receipts, `${this.prefix}.out.${target}`, conversation);
  }

  /** `inboundBarrier` waited for in `inbox`. */
  inboundBarrier(deliver: (text: string) => unknown): Promise<InboundEnvelope> {
    return inboundBarrier(this.inbox, deliver);
  }

  /** What `GET /readyz` answers: its status and body (instances with their state and error). */
  async readyz(): Promise<{ status: number; ready: boolean; nats: string; instances: Record<string, { state: string; error?: string }> }> {
    const res = await fetch(`${this.gateway.http.url}/readyz`);
    return {
      status: res.status,
      ...((await res.json()) as { ready: boolean; nats: string; instances: Record<string, { state: string }> }),
    };
  }

  /** Stops the gateway and starts a new one from the same file and options; the collectors stay. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  stop(): Promise<void> {
    return this.gateway.stop();
  }
}

/** What a test file gets from `useGatewayTest`. */
export interface GatewayTest<E> {
  /** This file's nats-server (or the shared `NATS_URL`). */
  readonly nats: TestNats;
  /** The test's own connection to it. */
  readonly nc: NatsConnection;
  /** The platform emulator, started afresh for each test. */
  readonly emu: E;
  /** Starts a gateway from YAML text; stopped after the test (or after the file when called in `beforeAll`). */
  boot(yaml: string, options?: StartOptions): Promise<Booted>;
  /** Starts another gateway from an existing config file (a replica), stopped like `boot`'s. */
  bootFile(file: string, options?: StartOptions): Promise<Booted>;
  /** A collector on `subject`, subscribed and flushed, closed after the test (or the file). */
  collect<T = Record<string, unknown>>(subject: string, nc?: NatsConnection): Promise<Collector<T>>;
  /** Runs `fn` after the test (or the file), before what was opened earlier is closed. */
  defer(fn: () => unknown): void;
}

/** Jest's hooks, taken from its globals: this file is also built without jest's types (for the bench). */
type Hook = (fn: () => Promise<void>, timeoutMs?: number) => void;
const hooks = globalThis as unknown as Record<'beforeAll' | 'afterAll' | 'beforeEach' | 'afterEach', Hook>;

/** Runs the cleanups of one scope, the latest first; every one runs, the first failure is thrown after. */
async function unwind(cleanups: Array<() => unknown>): Promise<void> {
  let failure: unknown;
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure) throw failure;
}

export interface FixtureOptions {
  /** A NATS server of the file's own (an outage or authentication test), with extra server arguments. */
  nats?: { own?: boolean; args?: string[] };
  /** The emulator is started afresh for each test (default), or once for the file. */
  scope?: 'test' | 'file';
}

/**
 * The shared set-up of gateway tests: registers jest hooks that start a nats-server and a client for
 * the file and, with `emulator`, a platform emulator (for each test, or once with `scope: 'file'`);
 * the gateways, collectors and deferred cleanups a test opens are closed after it (in reverse order),
 * those opened in `beforeAll` after the file; the emulator is stopped and must have seen no protocol
 * errors.
 */
export function useGatewayTest<K extends EmulatorName>(options: FixtureOptions & { emulator: K }): GatewayTest<Emulators[K]>;
export function useGatewayTest(options?: FixtureOptions): GatewayTest<never>;
export function useGatewayTest(options: FixtureOptions & { emulator?: EmulatorName } = {}): GatewayTest<Emulators[EmulatorName]> {
  let nats: TestNats | undefined;
  let nc: NatsConnection | undefined;
  let emu: Emulators[EmulatorName] | undefined;
  const fileScope: Array<() => unknown> = [];
  let testScope: Array<() => unknown> | undefined;
  const scope = () => testScope ?? fileScope;
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useGatewayTest: ${what} is not available here (only inside hooks and tests)`);
    return v;
  };

  const startEmulator = async (into: Array<() => unknown>) => {
    if (!options.emulator) return;
    const started = await EMULATORS[options.emulator]();
    emu = started;
    into.push(() => stopEmulator(started));
  };

  hooks.beforeAll(async () => {
    const started = await startNats(options.nats ?? {});
    const conn = await client(started.url);
    // A restart resolves once this client is connected again (its subscriptions sent again): a
    // collector then sees what is published from then on, rather than missing what comes first.
    const launch = started.restart;
    started.restart = async () => {
      await launch();
      await eventually(
        () =>
          conn.flush().then(
            () => true,
            () => false,
          ),
        'the test connection back after the NATS restart',
        20_000,
      );
    };
    nats = started;
    nc = conn;
    if (options.scope === 'file') await startEmulator(fileScope);
  });
  hooks.beforeEach(async () => {
    testScope = [];
    if (options.scope !== 'file') await startEmulator(testScope);
  });
  hooks.afterEach(async () => {
    const cleanups = testScope ?? [];
    testScope = undefined;
    await unwind(cleanups);
  });
  hooks.afterAll(async () => {
    await unwind(fileScope);
    await nc?.close();
    await nats?.close();
  });

  const t: GatewayTest<Emulators[EmulatorName]> = {
    get nats() {
      return need(nats, 'nats');
    },
    get nc() {
      return need(nc, 'nc');
    },
    get emu() {
      return need(emu, `the ${options.emulator ?? 'platform'} emulator`);
    },
    async collect<T>(subject: string, conn = t.nc) {
      const c = new Collector<T>(conn, subject);
      scope().push(() => c.close());
      await conn.flush();
      return c;
    },
    boot: (yaml, opts) => t.bootFile(writeConfig(yaml), opts),
    async bootFile(file, opts = {}) {
      let booted: Booted | undefined;
      const beforeStart = async (config: { nats: { prefix: string } }) => {
        const prefix = config.nats.prefix;
        booted = new Booted(
          t.nc,
          file,
          prefix,
          await t.collect(`${prefix}.in.>`),
          await t.collect(`${prefix}.receipt.>`),
          await t.collect(`${prefix}.status.>`),
          opts,
        );
      };
      // The collectors subscribe once the config names the prefix, before the gateway starts.
      const first = await startFromFile(file, { ...opts, beforeStart });
      const gw = Object.assign(booted!, first);
      scope().push(() => gw.stop());
      return gw;
    },
    defer(fn) {
      scope().push(fn);
    },
  };
  return t;
}
