import { parseMarkdown } from '../../plugins/telegram/markdown';
import { toHtml, toMarkdownV2, toPlain } from '../../plugins/telegram/render';

const render = (md: string) => {
  const blocks = parseMarkdown(md);
  return { html: toHtml(blocks), v2: toMarkdownV2(blocks), plain: toPlain(blocks) };
};

/** [what, markdown, Telegram HTML, MarkdownV2, plain text] */
test.each<[string, string, string, string, string]>([
  ['empty input', '', '', '', ''],
  ['plain text', 'hello', 'hello', 'hello', 'hello'],
  ['bold', '**42** new', '<b>42</b> new', '*42* new', '42 new'],
  ['italic', '_up_ or *up*', '<i>up</i> or <i>up</i>', '_up_ or _up_', 'up or up'],
  ['strikethrough', '~~old~~', '<s>old</s>', '~old~', 'old'],
  ['nested emphasis', '**bold _and italic_**', '<b>bold <i>and italic</i></b>', '*bold _and italic_*', 'bold and italic'],
  ['snake_case stays text', 'snake_case_name', 'snake_case_name', 'snake\\_case\\_name', 'snake_case_name'],
  ['an unclosed star stays text', '2*3 and **open', '2*3 and **open', '2\\*3 and \\*\\*open', '2*3 and **open'],
  ['HTML and entities typed by the agent stay text', '<b>x</b> & y', '&lt;b&gt;x&lt;/b&gt; &amp; y', '<b\\>x</b\\> & y', '<b>x</b> & y'],
  [
    'every MarkdownV2 reserved character is escaped',
    '1.5 (+12%) #1 {x} a=b!',
    '1.5 (+12%) #1 {x} a=b!',
    '1\\.5 \\(\\+12%\\) \\#1 \\{x\\} a\\=b\\!',
    '1.5 (+12%) #1 {x} a=b!',
  ],
  ['inline code keeps its markup characters', '`a<b>*c*`', '<code>a&lt;b&gt;*c*</code>', '`a<b>*c*`', 'a<b>*c*'],
  [
    'a link',
    '[docs](https://example.com/a_(b))',
    '<a href="https://example.com/a_(b)">docs</a>',
    '[docs](https://example.com/a_(b\\))',
    'docs (https://example.com/a_(b))',
  ],
  [
    'a link Telegram cannot open is written out',
    '[x](javascript:alert(1))',
    'x (javascript:alert(1))',
    'x \\(javascript:alert\\(1\\)\\)',
    'x (javascript:alert(1))',
  ],
  [
    'an autolink',
    '<https://example.com>',
    '<a href="https://example.com">https://example.com</a>',
    '[https://example\\.com](https://example.com)',
    'https://example.com',
  ],
  [
    'a quote in an href is escaped',
    '[x](https://e.com/?q="1")',
    '<a href="https://e.com/?q=&quot;1&quot;">x</a>',
    '[x](https://e.com/?q="1")',
    'x (https://e.com/?q="1")',
  ],
  ['a heading is bold', '# Weekly', '<b>Weekly</b>', '*Weekly*', 'Weekly'],
  ['bullets and numbers', '- one\n1. first', '• one\n1. first', '• one\n1\\. first', '• one\n1. first'],
  ['a quote', '> note\n> more', '<blockquote>note\nmore</blockquote>', '>note\n>more', '> note\n> more'],
  ['a rule', '***', '──────────', '──────────', '──────────'],
  [
    'a code block with its language',
    '```python\nif a < b:\n    pass\n```',
    '<pre><code class="language-python">if a &lt; b:\n    pass</code></pre>',
    '```python\nif a < b:\n    pass```',
    'if a < b:\n    pass',
  ],
  ['a code block without a language, never formatted', '```\n**x** `y`\n```', '<pre>**x** `y`</pre>', '```\n**x** \\`y\\````', '**x** `y`'],
  ['an unclosed code block runs to the end', '```\ncode', '<pre>code</pre>', '```\ncode```', 'code'],
  [
    'a table is a monospaced block',
    '| a | b |\n|---|---|\n| 1 | 2 |',
    '<pre>| a | b |\n|---|---|\n| 1 | 2 |</pre>',
    '```\n| a | b |\n|---|---|\n| 1 | 2 |```',
    '| a | b |\n|---|---|\n| 1 | 2 |',
  ],
  ['a backslash escape shows the character', '\\*not bold\\*', '*not bold*', '\\*not bold\\*', '*not bold*'],
  ['CJK and emoji', '**粗体** 👍', '<b>粗体</b> 👍', '*粗体* 👍', '粗体 👍'],
])('telegram render - %s', (_what, md, html, v2, plain) => {
  expect(render(md)).toEqual({ html, v2, plain });
});

test('telegram render - italics side by side do not merge into underline in MarkdownV2', () => {
  expect(render('_a_ _b_').v2).toBe('_a_ _b_');
  expect(
    toMarkdownV2([
      {
        t: 'line',
        c: [
          { t: 'italic', c: [{ t: 'text', s: 'a' }] },
          { t: 'italic', c: [{ t: 'text', s: 'b' }] },
        ],
      },
    ]),
  ).toBe('_a_**_b_');
});

test('telegram render - the language of a code block is the first word after the fence, dropped when Telegram would refuse it', () => {
  expect(render('```c++ weird name!\nx\n```').html).toBe('<pre><code class="language-c++">x</code></pre>');
  expect(render('```<script>\nx\n```').html).toBe('<pre>x</pre>');
});
