import { readFileSync } from 'node:fs';
import type { InboundAny, Receipt } from '../../core/contract/schemas';
import type { Collector } from './collector';
import type { GatewayTest } from './fixture';
import { GatewayProcess, QUICK_RETRIES, processConfigFile } from './gateway-process';
import { eventually } from './harness';
import { uniquePrefix } from './nats-server';

/** One platform's side of the takeover test. */
export interface TakeoverPlatform {
  /** The plugin's channel; both replicas run the entry of its `default` account. */
  channel: string;
  /** That entry. */
  entry: string;
  /** Resolves once the platform sees both replicas connected. */
  connected(): Promise<unknown>;
  /** Where the stream goes (its `conversation`, what it answers): a question asked first, where the platform needs one. */
  opening(inbox: Collector<InboundAny>): Promise<Record<string, unknown>>;
  /** How often the stream was updated at the platform so far. */
  updates(): number;
}

/** How a stream ended that two replicas sent, the first SIGKILLed while it ran. */
export interface Takeover {
  /** The receipt of the final frame. */
  done: Receipt;
  /** The final text. */
  final: string;
  /** How many frames were edited in before it. */
  frames: number;
  /** The replica that finished the stream, still running. */
  survivor: GatewayProcess;
}

/**
 * Two gateway processes for one account, A sending and B standing by: a stream is opened, a frame
 * follows every 50 ms until A has updated it twice, then A is SIGKILLed; 20 more frames and the final
 * one follow, which B has to deliver. Both processes are SIGKILLed after the test unless stopped before.
 */
export async function streamThroughTakeover(t: GatewayTest<unknown>, platform: TakeoverPlatform): Promise<Takeover> {
  const prefix = uniquePrefix();
  const [a, b] = [await replica(t, prefix, platform.entry), await replica(t, prefix, platform.entry)];
  const inbox = await t.collect<InboundAny>(`${prefix}.in.>`);
  const receipts = await t.collect<Receipt>(`${prefix}.receipt.>`);
  await a.start();
  await eventually(() => readFileSync(a.logFile, 'utf8').includes('outbound lease acquired'), 'A sends for the account');
  await b.start();
  await platform.connected();
  const publish = (env: Record<string, unknown>) => t.nc.publish(`${prefix}.out.${platform.channel}.default`, JSON.stringify(env));
  const words = Array.from({ length: 400 }, (_, i) => `w${i}`);
  const frame = (n: number) => publish({ id: `tale.${n}`, edit: 'tale', text: `Once ${words.slice(0, n).join(' ')}`, format: 'markdown' });
  const pause = () => new Promise((r) => setTimeout(r, 50));

  publish({ id: 'tale', ...(await platform.opening(inbox)), stream: true, text: 'Once' });
  await receipts.waitForId('tale', 10_000);
  let n = 0;
  for (; platform.updates() < 2; n++) {
    frame(n);
    await pause();
  }
  await a.kill('SIGKILL');
  for (const end = n + 20; n < end; n++) {
    frame(n);
    await pause();
  }
  const final = `Once ${words.slice(0, n).join(' ')} the end`;
  publish({ id: 'tale.done', edit: 'tale', done: true, text: final, format: 'markdown' });
  return { done: await receipts.waitForId('tale.done', 90_000), final, frames: n, survivor: b };
}

/** A gateway process with `entry`, on its own HTTP port, SIGKILLed after the test. */
async function replica(t: GatewayTest<unknown>, prefix: string, entry: string): Promise<GatewayProcess> {
  const cfg = await processConfigFile(t.nats.url, prefix, entry, QUICK_RETRIES);
  const gw = new GatewayProcess(cfg.file, cfg.url, cfg.log);
  t.defer(() => gw.kill('SIGKILL').catch(() => undefined));
  return gw;
}
