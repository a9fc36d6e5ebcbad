import { Writable } from 'node:stream';
import type { DestinationStream } from 'pino';
import { createLogger, writeAfterLog } from '../../core/log';
import { prettyLine } from '../../core/log-pretty';

/** What a terminal would show, as text. */
class Screen extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const line = (o: Record<string, unknown>) => JSON.stringify({ level: 30, time: '2026-12-01T19:37:08.505Z', name: 'chat-gateway', ...o });

test('log - a readable line has the time, the level, the instance, the message and the other fields, the hint below', () => {
  expect(
    prettyLine(
      line({ level: 50, channel: 'feishu', account: 'sales', msg: 'instance failed to start', retryInMs: 5000, hint: 'check the DNS' }),
      false,
    ),
  ).toBe('19:37:08 ERROR feishu/sales  instance failed to start  retryInMs=5000\n               hint: check the DNS\n');
  expect(prettyLine(line({ msg: 'connected to NATS', server: '127.0.0.1:4222' }), false)).toBe(
    '19:37:08 INFO  connected to NATS  server=127.0.0.1:4222\n',
  );
});

test('log - a field the message already says is not repeated, and values with spaces are quoted', () => {
  expect(prettyLine(line({ msg: 'instance failed to start: boom', err: 'boom', detail: 'two words' }), false)).toBe(
    '19:37:08 INFO  instance failed to start: boom  detail="two words"\n',
  );
});

test('log - colours only when asked, and text that is not JSON passes through', () => {
  expect(prettyLine(line({ level: 40, msg: 'careful' }), true)).toBe('\x1b[2m19:37:08\x1b[0m \x1b[33mWARN \x1b[0m careful\n');
  expect(prettyLine('not json', true)).toBe('not json\n');
});

test('log - with format pretty, secrets are scrubbed and redacted as in JSON lines', () => {
  const screen = new Screen();
  const log = createLogger('info', ['s3cret-value-42'], screen as unknown as DestinationStream, 'pretty');
  log.info({ channel: 'feishu', account: 'default' }, 'token fetch failed for s3cret-value-42');
  log.info({ appSecret: 'not-even-configured' }, 'options');
  expect(screen.text).toMatch(
    /^\d\d:\d\d:\d\d INFO {2}feishu\/default {2}token fetch failed for \[redacted\]\n\d\d:\d\d:\d\d INFO {2}options {2}appSecret=\[redacted\]\n$/,
  );
});

test('log - with format json (the default), lines stay JSON', () => {
  const screen = new Screen();
  createLogger('info', [], screen as unknown as DestinationStream).info('hello');
  expect(JSON.parse(screen.text)).toMatchObject({ msg: 'hello', level: 30 });
});

test('log - text written after the log goes to the same place, after the lines before it, scrubbed', () => {
  const screen = new Screen();
  const log = createLogger('info', ['s3cret-value-42'], screen as unknown as DestinationStream, 'pretty');
  log.info('first');
  writeAfterLog(log, '  banner: failed with s3cret-value-42\n');
  log.info('last');
  const lines = screen.text.split('\n');
  expect(lines[0]).toMatch(/INFO {2}first$/);
  expect(lines[1]).toBe('  banner: failed with [redacted]');
  expect(lines[2]).toMatch(/INFO {2}last$/);
});

test('log - secret values are scrubbed from JSON lines: the longer of two overlapping ones whole, escaped ones too, among thousands', () => {
  const screen = new Screen();
  const many = Array.from({ length: 5000 }, (_, i) => `app-secret-${i.toString().padStart(5, '0')}`);
  const log = createLogger('info', [...many, 'abcd', 'abcdefgh', 'quo"te\\d', 'x'], screen as unknown as DestinationStream);
  log.info(`a=abcdefgh b=abcd c=quo"te\\d d=app-secret-04999app-secret-00000 e=app-secret-0499 f=x`);
  const { msg } = JSON.parse(screen.text) as { msg: string };
  expect(msg).toBe('a=[redacted] b=[redacted] c=[redacted] d=[redacted][redacted] e=app-secret-0499 f=x');
});
