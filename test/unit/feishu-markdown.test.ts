import {
  CARD_LIMIT,
  cardContent,
  countTables,
  escapedBytes,
  markdownPieces,
  postMdContent,
  textContent,
  textPieces,
} from '../../plugins/feishu/markdown';

const table = (n: number) => `| a | b |\n|---|---|\n| ${n} | ${n * 2} |`;

test.each<[string, string, number]>([
  ['no table', 'just text', 0],
  ['empty input', '', 0],
  ['one table', table(1), 1],
  ['a table with aligned columns', '| a | b |\n|:---|---:|\n| 1 | 2 |', 1],
  ['two tables apart', `${table(1)}\n\ntext\n\n${table(2)}`, 2],
  ['a row without a delimiter line is not a table', '| a | b |\n| 1 | 2 |', 0],
  ['a table inside a code fence does not count', '```\n' + table(1) + '\n```', 0],
  ['a table after a closed fence counts', '```\ncode\n```\n' + table(1), 1],
])('feishu markdown - countTables: %s', (_what, md, n) => {
  expect(countTables(md)).toBe(n);
});

test('feishu markdown - markdownPieces keeps at most maxTables tables per piece, cutting before a table', () => {
  const md = [1, 2, 3, 4, 5].map((n) => `Table ${n}\n\n${table(n)}`).join('\n\n');
  const pieces = markdownPieces(md, 2);
  expect(pieces.map(countTables)).toEqual([2, 2, 1]);
  expect(pieces.join('\n\n')).toBe(md);
  expect(pieces[1]!.startsWith('| a | b |')).toBe(true);
});

test('feishu markdown - markdownPieces of short markdown is the markdown itself; of empty input, nothing', () => {
  expect(markdownPieces('**hi**', 5)).toEqual(['**hi**']);
  expect(markdownPieces('', 5)).toEqual([]);
});

test('feishu markdown - pieces stay under the limit in escaped bytes and never split a code block', () => {
  const code = '```js\n' + Array.from({ length: 300 }, (_, i) => `console.log("line ${i}");`).join('\n') + '\n```';
  const md = ['intro "quoted" text', code, 'outro'].join('\n\n');
  const pieces = markdownPieces(md, 5, 4096);
  expect(pieces.length).toBeGreaterThan(1);
  for (const p of pieces) {
    expect(escapedBytes(p)).toBeLessThanOrEqual(4096);
    expect((p.match(/```/g) ?? []).length % 2).toBe(0);
  }
  expect(pieces.join('\n').replace(/```js\n|```\n?/g, '')).toContain('console.log("line 299");');
  expect(CARD_LIMIT).toBe(30 * 1024);
});

test('feishu markdown - textPieces splits plain text under the limit and loses nothing', () => {
  const text = Array.from({ length: 50 }, (_, i) => `line ${i} ${'数据'.repeat(20)}`).join('\n');
  const pieces = textPieces(text, 2048);
  expect(pieces.length).toBeGreaterThan(1);
  for (const p of pieces) expect(escapedBytes(p)).toBeLessThanOrEqual(2048);
  expect(pieces.join('\n')).toBe(text);
});

test.each<[string, string, number]>([
  ['ASCII with the quotes of both encodings', 'abc', 9],
  ['a quote and a newline, escaped twice', '"\n', 13],
  ['CJK at three bytes each in UTF-8', '数据', 12],
])('feishu markdown - escapedBytes counts %s, as the text sits in a JSON content string inside the JSON body', (_what, s, bytes) => {
  expect(escapedBytes(s)).toBe(bytes);
});

test('feishu markdown - content strings: a card with one markdown element, a post with one md element, text', () => {
  expect(JSON.parse(cardContent('**42**'))).toEqual({
    schema: '2.0',
    config: { wide_screen_mode: true },
    body: { elements: [{ tag: 'markdown', content: '**42**' }] },
  });
  expect(JSON.parse(postMdContent('`x` < y'))).toEqual({ zh_cn: { content: [[{ tag: 'md', text: '`x` < y' }]] } });
  expect(JSON.parse(textContent('a "quote"\n'))).toEqual({ text: 'a "quote"\n' });
});
