/** What every emulator's HTTP side does the same way: listen on a free local port, read a body, close. */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1, port 0; resolves with the base URL (`http://127.0.0.1:<port>`). */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server and every connection it has (keep-alive ones included). */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** An emulator's HTTP server: on a free local port from start() on, closed with all its connections by stop(). */
export class LocalServer {
  private server?: Server;
  private base = '';

  /** @param owner The emulator's name, for the error of a call before start(). */
  constructor(private readonly owner: string) {}

  async start(server: Server): Promise<void> {
    this.base = await listenLocal(server);
    this.server = server;
  }

  /** The base URL, `http://127.0.0.1:<port>`. */
  get url(): string {
    if (!this.base) throw new Error(`${this.owner}: call start() first`);
    return this.base;
  }

  /** Closes the server; a second stop does nothing. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}

/** The request body's bytes. */
export function readBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBytes(req)).toString('utf8');
}
