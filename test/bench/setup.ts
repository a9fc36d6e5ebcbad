/** Shared set-up: Feishu apps on the emulator, a gateway process for them, the baseline child process. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FeishuEmulator } from '../emulators/feishu';
import { ALLOW_ALL, feishuEntry, newApp } from '../support/feishu';
import { GatewayProcess, processConfigFile } from '../support/gateway-process';
import { uniquePrefix } from '../support/nats-server';

export interface App {
  appId: string;
  appSecret: string;
  account: string;
}

export function addApps(emu: FeishuEmulator, n: number, tag: string): App[] {
  return Array.from({ length: n }, (_, i) => ({ ...newApp(emu), account: `${tag}${i}` }));
}

export interface BenchGateway {
  gw: GatewayProcess;
  prefix: string;
  url: string;
  log: string;
  apps: App[];
  /** Milliseconds from spawn to /readyz 200. */
  readyMs: number;
}

/** Starts a gateway process with one Feishu entry per app (info-level logs to a file, as in production). */
export async function startGateway(
  natsUrl: string,
  emuUrl: string,
  apps: App[],
  opts: { nodeArgs?: string[]; timeoutMs?: number; sections?: string; prefix?: string } = {},
): Promise<BenchGateway> {
  const prefix = opts.prefix ?? uniquePrefix();
  const entries = apps.map((a) => feishuEntry(emuUrl, a, ALLOW_ALL, a.account)).join('');
  const { file, url, log } = await processConfigFile(natsUrl, prefix, entries, opts.sections);
  const gw = new GatewayProcess(file, url, log, {}, opts.nodeArgs ?? []);
  const t0 = Date.now();
  try {
    await gw.start(opts.timeoutMs ?? 30_000);
  } catch (err) {
    // A gateway that never got ready still holds its connections: stop it before the next row.
    await gw.kill('SIGKILL');
    throw err;
  }
  return { gw, prefix, url, log, apps, readyMs: Date.now() - t0 };
}

/** The bare-SDK baseline in its own process (like the gateway), driven over IPC. */
export class Baseline {
  private constructor(private readonly child: ChildProcess) {}

  static async start(init: Record<string, unknown>): Promise<Baseline> {
    const child = fork(join(__dirname, 'baseline.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const b = new Baseline(child);
    await b.call({ op: 'init', ...init });
    return b;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call<T = unknown>(msg: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMsg = (m: { ok: boolean; result?: T; error?: string }) => {
        this.child.off('message', onMsg);
        if (m.ok) resolve(m.result as T);
        else reject(new Error(m.error));
      };
      this.child.on('message', onMsg);
      this.child.send(msg);
    });
  }

  async stop(): Promise<void> {
    await this.call({ op: 'stop' }).catch(() => undefined);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
