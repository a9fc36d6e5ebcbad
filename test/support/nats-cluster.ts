import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { freePort, natsServerBinary } from './nats-server';

/** One server of a test cluster: its name (`n1`...), client URL and process. */
export interface ClusterNode {
  name: string;
  url: string;
  port: number;
  /** Running now. */
  readonly up: boolean;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`);
}

/**
 * A JetStream cluster of `size` nats-servers (2.9 and later) on free loopback ports, each with its
 * own store dir and server name (`n1`, `n2`...), routes to all the others. `start()` resolves once
 * the cluster elected a meta leader, so JetStream answers.
 */
export class NatsCluster {
  readonly nodes: Array<ClusterNode & { clusterPort: number; storeDir: string; child?: ChildProcess }> = [];
  private readonly name = `cg${Math.random().toString(36).slice(2, 8)}`;

  private constructor(private readonly bin: string) {}

  static async start(size = 3): Promise<NatsCluster> {
    const cluster = new NatsCluster(natsServerBinary());
    for (let i = 1; i <= size; i++) {
      const port = await freePort();
      const clusterPort = await freePort();
      cluster.nodes.push({
        name: `n${i}`,
        port,
        clusterPort,
        url: `nats://127.0.0.1:${port}`,
        storeDir: mkdtempSync(join(tmpdir(), `cg-cluster-n${i}-`)),
        get up() {
          return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
        },
      });
    }
    try {
      await Promise.all(cluster.nodes.map((n) => cluster.launch(n.name)));
      await cluster.waitForMetaLeader();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Every node's client URL, comma-separated (what `nats.servers` takes). */
  get urls(): string {
    return this.nodes.map((n) => n.url).join(',');
  }

  node(name: string): ClusterNode & { clusterPort: number; storeDir: string; child?: ChildProcess } {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} in the cluster (${this.nodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  /** Starts (or restarts, with its store) node `name` and waits until it listens. */
  async launch(name: string): Promise<void> {
    const n = this.node(name);
    if (n.up) return;
    const routes = this.nodes
      .filter((o) => o !== n)
      .map((o) => `nats://127.0.0.1:${o.clusterPort}`)
      .join(',');
    const args = ['-a', '127.0.0.1', '-p', String(n.port), '-js', '-sd', n.storeDir, '--server_name', n.name];
    args.push('--cluster_name', this.name, '--cluster', `nats://127.0.0.1:${n.clusterPort}`, '--routes', routes);
    const child = spawn(this.bin, args, { stdio: 'ignore' });
    n.child = child;
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server ${n.name} exited with ${child.exitCode}`);
        return listening(n.port);
      },
      `node ${n.name} listening on ${n.port}`,
      10_000,
    );
  }

  /** Kills node `name` at once (SIGKILL: no goodbye to its peers), keeping its store for a restart. */
  async kill(name: string): Promise<void> {
    const n = this.node(name);
    const child = n.child;
    if (!child || !n.up) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** A client connection to node `name` only (the test's view from a node that stays up). */
  client(name: string): Promise<NatsConnection> {
    return connect({ servers: this.node(name).url, maxReconnectAttempts: -1, reconnectTimeWait: 250, ignoreClusterUpdates: true });
  }

  /** Resolves once JetStream answers through the first node that is up (a meta leader exists). */
  async waitForMetaLeader(timeoutMs = 30_000): Promise<void> {
    const up = this.nodes.find((n) => n.up);
    if (!up) throw new Error('no node of the cluster is up');
    const nc = await this.client(up.name);
    try {
      await until(
        async () => {
          const jsm = await jetstreamManager(nc, { timeout: 1000 });
          const info = await jsm.getAccountInfo();
          return info !== undefined;
        },
        'a JetStream meta leader',
        timeoutMs,
      );
    } finally {
      await nc.close();
    }
  }

  /** The server name of the leader of `stream`, asked through node `via`; waits for one to be elected. */
  async leaderOf(stream: string, via: string, timeoutMs = 30_000): Promise<string> {
    const nc = await this.client(via);
    let leader = '';
    try {
      // A stream's leader answers for it: the meta leader (which may be electing) is not needed.
      const jsm = await jetstreamManager(nc, { timeout: 1000, checkAPI: false });
      await until(
        async () => {
          leader = (await jsm.streams.info(stream)).cluster?.leader ?? '';
          return leader !== '';
        },
        `a leader for ${stream}`,
        timeoutMs,
      );
    } finally {
      await nc.close();
    }
    return leader;
  }

  /** Stops every node and removes the store dirs. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.name)));
    for (const n of this.nodes) rmSync(n.storeDir, { recursive: true, force: true });
  }
}
