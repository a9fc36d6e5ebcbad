import type { Gateway } from '../core/runtime/gateway';

/**
 * What `npm start` prints once everything is up: how long start-up took (and what that figure covers),
 * every configured instance with its state, a failed one with its reason and what to check, and where
 * to chat. The log lines it summarises are written before it.
 */
export function renderBanner(gateway: Gateway, readyMs: number, configFile: string, columns = 100): string {
  const base = gateway.http.url;
  const rows: Array<[string, string, string, string?]> = [];
  const pages: string[] = [];
  const running = new Map(gateway.instances.map((i) => [i.key, i]));
  for (const entry of gateway.config.instances) {
    const key = `${entry.channel}/${entry.account}`;
    const i = running.get(key);
    const page = entry.channel === 'webchat' && base ? `${base}/webchat/${entry.account}/` : '';
    if (!entry.enabled || !i) rows.push([key, 'off', '(enabled: false)']);
    else if (i.state === 'started') {
      if (page) pages.push(page);
      rows.push([key, 'running', page]);
    } else if (i.state === 'failed')
      rows.push([key, 'failed', i.lastError ?? '', `${i.lastHint ?? ''}; retrying quietly in the background`]);
    else rows.push([key, i.state, '']);
  }
  const width = Math.max(...rows.map((r) => r[0].length), 8) + 2;
  const indent = ' '.repeat(4 + width + 10);
  const table = rows.flatMap(([key, state, what, check]) => [
    `    ${key.padEnd(width)}${state.padEnd(10)}${what}`.trimEnd(),
    ...(check ? wrap(check, columns - indent.length).map((l) => `${indent}${l}`) : []),
  ]);
  const failed = rows.some((r) => r[1] === 'failed');
  return [
    '',
    `  chat-gateway is ${failed ? 'running, with a bot that failed to start' : 'running'}: ready ${(readyMs / 1000).toFixed(1)} s after the build`,
    '  (the time to start NATS if needed, the gateway and the echo agent).',
    '',
    ...(table.length ? table : ['    no plugin instance is configured']),
    '',
    pages.length
      ? `  The echo agent answers every message: open ${pages[0]} and say something.`
      : '  The echo agent answers every message of the connected bots.',
    `  Config: ${configFile} (edits are applied while it runs).`,
    ...(base ? [`  Health: ${base}/readyz   Metrics: ${base}/metrics`] : []),
    '  Ctrl-C stops everything.',
    '',
    '',
  ].join('\n');
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}
