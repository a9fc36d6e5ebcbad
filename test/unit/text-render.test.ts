import { hashId, renderText } from '../../core/plugin/text';
import type { Part } from '../../core/contract/schemas';

test.each<[string, Part[], string]>([
  ['text', [{ type: 'text', text: 'hello' }], 'hello'],
  [
    'a mention as @name',
    [
      { type: 'mention', id: 'ou_1', name: 'Data Bot', self: true },
      { type: 'text', text: ' how many?' },
    ],
    '@Data Bot how many?',
  ],
  ['a link with its text', [{ type: 'link', url: 'https://example.com', text: 'docs' }], 'docs (https://example.com)'],
  ['a bare link as its url', [{ type: 'link', url: 'https://example.com' }], 'https://example.com'],
  ['a link whose text is its url once', [{ type: 'link', url: 'https://example.com', text: 'https://example.com' }], 'https://example.com'],
  [
    'code as a fenced block',
    [
      { type: 'text', text: 'run' },
      { type: 'code', text: 'ls -l', language: 'sh' },
    ],
    'run\n```sh\nls -l\n```\n',
  ],
  ['an image with its name', [{ type: 'image', ref: 'img_v2_1', name: 'chart.png' }], '[image: chart.png]'],
  ['a file without a name', [{ type: 'file', ref: 'file_v2_1' }], '[file]'],
  ['a shared chat', [{ type: 'share', kind: 'chat', id: 'oc_1', name: 'Sales' }], '[shared chat: Sales]'],
  ['a card with a title', [{ type: 'card', title: 'Weekly', text: '42 new customers' }], '[card: Weekly] 42 new customers'],
])('text - renderText shows %s', (_what, parts, expected) => {
  expect(renderText(parts)).toBe(expected);
});

test('text - hashId keeps an id that fits the length and alphabet', () => {
  expect(hashId('reply-7f3a_1', 50)).toBe('reply-7f3a_1');
  expect(hashId('x'.repeat(50), 50)).toBe('x'.repeat(50));
});

test('text - hashId hashes a longer id to exactly the limit, the same way every time', () => {
  const long = 'r'.repeat(51);
  const h = hashId(long, 50);
  expect(h).toMatch(/^[0-9a-f]{50}$/);
  expect(hashId(long, 50)).toBe(h);
  expect(hashId(`${'r'.repeat(50)}s`, 50)).not.toBe(h);
});

test('text - hashId hashes an id with characters the platform refuses', () => {
  for (const id of ['reply:1', 'a b', 'ünï', 'x.y']) {
    const h = hashId(id, 50);
    expect(h).toMatch(/^[0-9a-f]{50}$/);
    expect(h).toBe(hashId(id, 50));
  }
  expect(hashId('reply:1', 50)).not.toBe(hashId('reply:2', 50));
  expect(hashId('a.b', 64, /^[a-z.]+$/)).toBe('a.b');
});
