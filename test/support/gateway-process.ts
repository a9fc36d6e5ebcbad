import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALLOW_ALL, feishuEntry } from './feishu';
import { eventually, writeConfig } from './harness';
import { freePort } from './nats-server';

/** The repository root, from the sources (test/support) or the build (dist/test/support). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('dist')) dir = resolve(dir, '..');
  return dir;
}
const BIN = join(repoRoot(), 'bin/chat-gateway.js');
const BUILT = join(repoRoot(), 'dist/core/cli/main.js');

/**
 * A gateway in its own process, started from the built CLI exactly as operators run it, so fault
 * tests can SIGKILL it. `npm test` builds before running jest.
 */
export class GatewayProcess {
  private child?: ChildProcess;
  exits: Array<number | null> = [];

  constructor(
    readonly configFile: string,
    readonly httpUrl: string,
    readonly logFile: string,
    private readonly env: NodeJS.ProcessEnv = {},
    /** Extra arguments for node itself (e.g. `--cpu-prof`), before the CLI script. */
    private readonly nodeArgs: string[] = [],
  ) {
    if (!existsSync(BUILT)) throw new Error('dist/ is missing: run `npm run build` (npm test does it) before the fault tests');
  }

  /** Starts the process and resolves when /readyz answers 200. */
  async start(timeoutMs = 20_000): Promise<void> {
    const out = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [...this.nodeArgs, BIN, 'start', '-c', this.configFile], {
      stdio: ['ignore', out, out],
      env: { ...process.env, ...this.env },
    });
    closeSync(out);
    child.on('exit', (code) => this.exits.push(code));
    this.child = child;
    // Asked often at first, then less: a gateway starting 10,000 bots answers each /readyz with all of them.
    let wait = 20;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}; see ${this.logFile}`);
        const res = await fetch(`${this.httpUrl}/readyz`).catch(() => undefined);
        if (res?.status === 200) return true;
        await new Promise((r) => setTimeout(r, (wait = Math.min(500, wait * 1.5))));
        return false;
      },
      `gateway ready at ${this.httpUrl}`,
      timeoutMs,
    );
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Kills the process without any chance to clean up. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    await new Promise<void>((res) => {
      child.once('exit', () => res());
      child.kill(signal);
    });
    return child.exitCode;
  }
}

/**
 * A config file for a gateway process: its own HTTP port, info-level logs (to `log`, as in production),
 * `sections` (YAML, e.g. `delivery`) and `entries` as its plugins.
 */
export async function processConfigFile(natsUrl: string, prefix: string, entries: string, sections = '') {
  const port = await freePort();
  const file = writeConfig(`nats:
  servers: ${natsUrl}
  prefix: ${prefix}
  autoStart: false
http:
  listen: 127.0.0.1:${port}
log:
  level: info
${sections}lifecycle:
  stopTimeout: 3s
plugins:
${entries}`);
  return { file, url: `http://127.0.0.1:${port}`, log: join(mkdtempSync(join(tmpdir(), 'cg-log-')), 'gateway.log') };
}

/** The `delivery` section of replicas that retry quickly (from 50 ms to 1 s). */
export const QUICK_RETRIES = 'delivery:\n  initialBackoff: 50ms\n  maxBackoff: 1s\n';

/** A config for one Feishu app on the emulator, served on its own HTTP port. */
export function processConfig(natsUrl: string, emuUrl: string, app: { appId: string; appSecret: string }, prefix: string) {
  return processConfigFile(natsUrl, prefix, feishuEntry(emuUrl, app, ALLOW_ALL), QUICK_RETRIES);
}
