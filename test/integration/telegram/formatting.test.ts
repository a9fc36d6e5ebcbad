import { parseHtml, parseMarkdownV2 } from '../../emulators/telegram';
import { parseMarkdown } from '../../../plugins/telegram/markdown';
import { renderTexts } from '../../../plugins/telegram/outbound';
import { toHtml, toMarkdownV2, toPlain } from '../../../plugins/telegram/render';

const render = (md: string) => {
  const blocks = parseMarkdown(md);
  return { html: toHtml(blocks), v2: toMarkdownV2(blocks), plain: toPlain(blocks) };
};

/** Deterministic pseudo-random generator, so a failure can be reproduced. */
function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const SAMPLES = [
  '**bold** _it_ *it* __bold__ ~~strike~~ `code` [link](https://example.com/a_(b)?x=1&y=2)',
  'snake_case_name and 2*3*4 and a_b_c',
  '# Title with `code` and **bold**\n\n> quote with <tag> & stuff\n> second\n\n1. one\n2) two\n- dash\n* star',
  '```\nno language <b>\n```\n\n```c++\nint main() { return a<b && c>d; }\n```',
  '| a | b |\n|---|---|\n| 1 | <2> |',
  'unclosed **bold and `code and [link](',
  'escapes: \\*not bold\\* \\_not italic\\_ \\[x\\](y) 1\\.5',
  'emoji 👍🏽 and CJK 数据 **粗体** _斜体_',
  '![alt text](https://example.com/i.png) and <https://auto.link/x> and [bad](javascript:alert(1))',
  '***both*** ****** ____ ~~~~ `` ` `` ```',
  '_a_ _b_ __c__ *_d_*',
];

test('telegram formatting - agent markdown renders to HTML and MarkdownV2 that Telegram parses to the same text', () => {
  for (const md of SAMPLES) {
    const { html, v2, plain } = render(md);
    const a = parseHtml(html);
    const b = parseMarkdownV2(v2);
    expect({ md, text: b.text }).toEqual({ md, text: a.text });
    expect(a.text.length).toBeLessThanOrEqual(plain.length);
  }
});

test('telegram formatting - HTML escapes text everywhere: tags and entities typed by the agent stay literal', () => {
  const { html } = render('<script>alert("x")</script> &amp; & <b>not bold</b> `<i>` [x](https://e.com/?a="1"&b=<2>)');
  const parsed = parseHtml(html);
  expect(parsed.text).toBe('<script>alert("x")</script> &amp; & <b>not bold</b> <i> x');
  expect(parsed.entities.map((e) => e.type)).toEqual(['code', 'text_link']);
  expect(parsed.entities[1]!.url).toBe('https://e.com/?a="1"&b=<2>');
});

test('telegram formatting - random markdown never produces markup Telegram refuses', () => {
  const next = rng(42);
  const alphabet = [
    '*',
    '**',
    '_',
    '__',
    '~',
    '~~',
    '`',
    '```',
    '[',
    ']',
    '(',
    ')',
    '<',
    '>',
    '&',
    '#',
    '.',
    '!',
    '|',
    '{',
    '}',
    '-',
    '=',
    '+',
    '\\',
    ' ',
    '\n',
    '\n\n',
    'a',
    'word',
    '数',
    '👍',
    'https://x.io',
    '> ',
    '- ',
    '1. ',
    '|',
    '&amp;',
    '</b>',
  ];
  for (let n = 0; n < 3000; n++) {
    const md = Array.from({ length: 1 + Math.floor(next() * 30) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    const { html, v2, plain } = render(md);
    let a, b;
    try {
      a = parseHtml(html);
      b = parseMarkdownV2(v2);
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\nmarkdown: ${JSON.stringify(md)}\nhtml: ${JSON.stringify(html)}\nv2: ${JSON.stringify(v2)}`,
      );
    }
    expect({ md, v2: b.text }).toEqual({ md, v2: a.text });
    expect(a.text.length).toBeLessThanOrEqual(plain.length);
  }
});

test('telegram formatting - split pieces stay under 4096 characters after parsing, and carry all the text', () => {
  const md = Array.from({ length: 60 }, (_, i) => `**Item ${i}** ${'<x> & y '.repeat(30)}[more](https://example.com/${i})`).join('\n\n');
  const pieces = renderTexts(md, 'markdown', 'HTML');
  expect(pieces.length).toBeGreaterThan(3);
  const texts = pieces.map((p) => parseHtml(p.text).text);
  for (const t of texts) expect(t.length).toBeLessThanOrEqual(4096);
  expect(texts.join('\n\n')).toBe(parseHtml(toHtml(parseMarkdown(md))).text);
});
