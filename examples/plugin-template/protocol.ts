/**
 * The linechat wire protocol: UTF-8 lines over TCP, one command per line, fields separated by one
 * space, the text last (it may contain spaces; `\n` and `\\` in it are escaped).
 *
 * client → server
 *   HELLO <name> [<password>]      first line: who this client is
 *   MSG <conversation> <text>      send: to `#room` (a group everyone is in) or to a user's name
 *   ACK <id>                       a delivered message was handled; unacknowledged ones are delivered again
 * server → client
 *   WELCOME                        HELLO accepted
 *   OK <id>                        the last MSG was accepted as message <id>
 *   ERR <code> <reason>            the last command was refused (HTTP-like codes: 4xx for good, 5xx for now)
 *   MSG <id> <conversation> <sender> <text>
 *                                  a message for this client; for a direct message the conversation is the
 *                                  other user's name, so answering `MSG <conversation> ...` reaches them
 */

import type { Readable } from 'node:stream';

export type Line =
  | { cmd: 'HELLO'; name: string; password: string }
  | { cmd: 'MSG'; conversation: string; text: string }
  | { cmd: 'ACK'; id: string }
  | { cmd: 'WELCOME' }
  | { cmd: 'OK'; id: string }
  | { cmd: 'ERR'; code: number; reason: string }
  | { cmd: 'DELIVER'; id: string; conversation: string; sender: string; text: string };

/** Names and conversation ids: no spaces, so they fit in one field. */
export const NAME = /^#?[A-Za-z0-9_.-]{1,64}$/;

export function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function unescapeText(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Splits off the first `n` space-separated fields; the rest of the line is the last field. */
function fields(line: string, n: number): string[] | undefined {
  const out: string[] = [];
  let rest = line;
  for (let i = 0; i < n; i++) {
    const sp = rest.indexOf(' ');
    if (sp < 0) return undefined;
    out.push(rest.slice(0, sp));
    rest = rest.slice(sp + 1);
  }
  return [...out, rest];
}

/**
 * Parses a line as the server sends it (`fromServer`) or as a client sends it. A server's `MSG` is a
 * delivery (`DELIVER`); a client's is a send. Undefined for a line that is not the protocol.
 */
export function parseLine(line: string, fromServer: boolean): Line | undefined {
  const [cmd] = line.split(' ', 1);
  if (cmd === 'MSG' && fromServer) {
    const f = fields(line, 4);
    return f ? { cmd: 'DELIVER', id: f[1]!, conversation: f[2]!, sender: f[3]!, text: unescapeText(f[4]!) } : undefined;
  }
  if (cmd === 'MSG') {
    const f = fields(line, 2);
    return f ? { cmd: 'MSG', conversation: f[1]!, text: unescapeText(f[2]!) } : undefined;
  }
  const parts = line.split(' ');
  switch (cmd) {
    case 'HELLO':
      return parts[1] ? { cmd, name: parts[1], password: parts[2] ?? '' } : undefined;
    case 'ACK':
    case 'OK':
      return parts[1] ? { cmd, id: parts[1] } : undefined;
    case 'WELCOME':
      return { cmd };
    case 'ERR': {
      const f = fields(line, 2);
      return f ? { cmd, code: Number(f[1]), reason: f[2]! } : undefined;
    }
  }
  return undefined;
}

/**
 * Reads what a linechat server sends: calls `onLine` with each line of the protocol arriving on
 * `socket`, in order, until the socket is destroyed (a line that is not the protocol is passed over).
 */
export function readServerLines(socket: Readable, onLine: (line: Line) => void): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0 && !socket.destroyed; nl = buffer.indexOf('\n')) {
      const line = parseLine(buffer.slice(0, nl), true);
      buffer = buffer.slice(nl + 1);
      if (line) onLine(line);
    }
  });
}

/** A line to send: `format.msg('#room', 'hi')`. */
export const format = {
  hello: (name: string, password = '') => `HELLO ${name}${password ? ` ${password}` : ''}\n`,
  msg: (conversation: string, text: string) => `MSG ${conversation} ${escapeText(text)}\n`,
  ack: (id: string) => `ACK ${id}\n`,
  welcome: () => 'WELCOME\n',
  ok: (id: string) => `OK ${id}\n`,
  err: (code: number, reason: string) => `ERR ${code} ${reason}\n`,
  deliver: (id: string, conversation: string, sender: string, text: string) => `MSG ${id} ${conversation} ${sender} ${escapeText(text)}\n`,
};
