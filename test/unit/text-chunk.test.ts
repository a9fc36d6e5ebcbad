import { chunkText } from '../../core/plugin/chunk';

const bytes = (s: string) => Buffer.byteLength(s);
/** How Feishu measures: the text JSON-escaped inside a JSON string (a constant plus a sum). */
const escaped = (s: string) => Buffer.byteLength(JSON.stringify(JSON.stringify(s)));
const FENCE_LINE = /^ {0,3}(```|~~~)/;
const graphemes = (s: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

/** The text without whitespace and fence lines: what must survive chunking, whatever was cut or reopened. */
const content = (s: string) =>
  s
    .split('\n')
    .filter((l) => !FENCE_LINE.test(l))
    .join('')
    .replace(/\s+/g, '');

/** A deterministic mix of prose, CJK, emoji, long lines and code blocks. */
function sample(seed: number, paragraphs = 30): string {
  let x = seed;
  const rand = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
  const words = ['alpha', 'beta', '数据', '客户', '👍🏽', '👨‍👩‍👧', 'ünïcödé', 'x'.repeat(30), 'gamma', 'delta'];
  const sentence = (n: number) => Array.from({ length: n }, () => words[rand(words.length)]).join(' ');
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const kind = rand(4);
    if (kind === 0)
      out.push(
        ['```python', ...Array.from({ length: 1 + rand(12) }, (_, i) => `print(${i}, "${sentence(1 + rand(4))}")`), '```'].join('\n'),
      );
    else if (kind === 1) out.push(sentence(40 + rand(80)));
    else out.push(Array.from({ length: 1 + rand(5) }, () => sentence(3 + rand(10))).join('\n'));
  }
  return out.join('\n\n');
}

test('text - chunkText returns text within the limit unchanged, as one chunk', () => {
  expect(chunkText('short\n\nanswer', 100)).toEqual(['short\n\nanswer']);
});

test('text - chunkText refuses a limit below 16', () => {
  expect(() => chunkText('anything', 15)).toThrow('limit must be at least 16');
});

test.each([16, 24, 60, 200, 1000])('text - chunkText keeps every chunk within %i bytes and loses no content', (limit) => {
  for (const seed of [1, 2, 3]) {
    const text = sample(seed);
    const chunks = chunkText(text, limit);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(bytes(c)).toBeLessThanOrEqual(limit);
    expect(content(chunks.join('\n'))).toBe(content(text));
  }
});

test('text - chunkText honours a measure that adds a constant, such as JSON escaping', () => {
  const text = sample(7);
  const chunks = chunkText(text, 300, escaped);
  for (const c of chunks) expect(escaped(c)).toBeLessThanOrEqual(300);
  expect(content(chunks.join('\n'))).toBe(content(text));
});

test('text - chunkText cuts between paragraphs when each paragraph fits', () => {
  const paragraphs = ['a', 'b', 'c', 'd'].map((w) => Array.from({ length: 6 }, (_, i) => `${w}${i} ${w.repeat(8)}`).join('\n'));
  const limit = Math.ceil(bytes(paragraphs[0]!) * 1.6);
  expect(chunkText(paragraphs.join('\n\n'), limit)).toEqual(paragraphs);
});

test('text - chunkText cuts a long paragraph between lines, not inside them', () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line ${String(i).padStart(2, '0')} of the report`);
  const chunks = chunkText(lines.join('\n'), 100);
  expect(chunks.length).toBeGreaterThan(1);
  for (const c of chunks) for (const l of c.split('\n')) expect(lines).toContain(l);
  expect(chunks.join('\n')).toBe(lines.join('\n'));
});

test('text - chunkText cuts a line longer than the limit at word boundaries', () => {
  const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
  const chunks = chunkText(words.join(' '), 50);
  for (const c of chunks) for (const w of c.trim().split(' ')) expect(words).toContain(w);
  expect(chunks.join('')).toBe(words.join(' '));
});

test('text - chunkText never cuts a character or an emoji in half', () => {
  const line = '你好👍🏽👨‍👩‍👧🇫🇷é'.repeat(20);
  const whole = new Set(graphemes(line));
  for (const limit of [24, 25, 31, 50]) {
    const chunks = chunkText(line, limit);
    expect(chunks.join('')).toBe(line);
    for (const c of chunks) {
      expect(Buffer.from(c, 'utf8').toString('utf8')).toBe(c);
      for (const g of graphemes(c)) expect(whole).toContain(g);
    }
  }
});

test('text - chunkText closes a code block at the cut and reopens it with the same language', () => {
  const code = Array.from({ length: 40 }, (_, i) => `const value${i} = compute(${i});`);
  const text = ['Here is the script:', '', '```ts', ...code, '```', '', 'Run it with node.'].join('\n');
  const chunks = chunkText(text, 300);
  const withCode = chunks.filter((c) => c.includes('const value'));
  expect(withCode.length).toBeGreaterThan(1);
  for (const c of withCode) {
    const lines = c.split('\n');
    expect(lines[0]).toBe('```ts');
    expect(lines[lines.length - 1]).toBe('```');
    expect(lines.filter((l) => FENCE_LINE.test(l))).toHaveLength(2);
  }
  expect(withCode.flatMap((c) => c.split('\n').filter((l) => l.startsWith('const')))).toEqual(code);
  expect(chunks[0]).toBe('Here is the script:');
  expect(chunks[chunks.length - 1]).toBe('Run it with node.');
});

test('text - chunkText moves a code block that fits to the next chunk rather than cutting it', () => {
  const intro = 'intro '.repeat(20).trim();
  const block = ['~~~sql', ...Array.from({ length: 6 }, (_, i) => `select ${i} from customers;`), '~~~'].join('\n');
  expect(chunkText(`${intro}\n${block}\nThat is all.`, bytes(block) + 5)).toEqual([intro, block, 'That is all.']);
});

test('text - chunkText cuts an over-long code line inside its fences', () => {
  const text = ['```json', `{"data": "${'z'.repeat(150)}"}`, '```'].join('\n');
  const chunks = chunkText(text, 64);
  for (const c of chunks) {
    expect(bytes(c)).toBeLessThanOrEqual(64);
    expect(c.startsWith('```json\n')).toBe(true);
  }
  expect(content(chunks.join(''))).toBe(content(text));
});

test('text - chunkText splits a line of several hundred kilobytes under a JSON-escaped limit', () => {
  const line = '数据👍🏽 x'.repeat(40_000);
  const chunks = chunkText(line, 150 * 1024, escaped);
  expect(chunks.length).toBeGreaterThan(2);
  for (const c of chunks) expect(escaped(c)).toBeLessThanOrEqual(150 * 1024);
  expect(chunks.join('')).toBe(line);
});
