import { MARKDOWN_JS } from '../../plugins/webchat/markdown-js';

/** The page's own renderer: the very source the page inlines, run here. */
const renderMarkdown = new Function(`${MARKDOWN_JS}\nreturn renderMarkdown;`)() as (md: string) => string;

test.each<[string, string, string]>([
  ['empty input', '', ''],
  ['a paragraph, its lines joined by <br>', 'one\ntwo', '<p>one<br>two</p>'],
  ['paragraphs apart', 'one\n\ntwo', '<p>one</p><p>two</p>'],
  ['bold, italic, strikethrough', '**b** *i* ~~s~~ __b2__', '<p><strong>b</strong> <em>i</em> <del>s</del> <strong>b2</strong></p>'],
  ['snake_case stays text', 'snake_case_name', '<p>snake_case_name</p>'],
  [
    'tags typed by the agent are escaped',
    '<script>alert(1)</script> & "q"',
    '<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;</p>',
  ],
  ['an event handler in an image tag stays text', '<img src=x onerror="y">', '<p>&lt;img src=x onerror=&quot;y&quot;&gt;</p>'],
  ['inline code is escaped, not formatted', '`**a** < b`', '<p><code>**a** &lt; b</code></p>'],
  [
    'an http link opens in a new tab',
    '[docs](https://example.com/a)',
    '<p><a href="https://example.com/a" target="_blank" rel="noopener noreferrer">docs</a></p>',
  ],
  ['a javascript: link stays text', '[x](javascript:alert(1))', '<p>[x](javascript:alert(1))</p>'],
  [
    'a link url cannot break out of its attribute',
    '[x](https://e.com/"onmouseover="y)',
    '<p><a href="https://e.com/&quot;onmouseover=&quot;y" target="_blank" rel="noopener noreferrer">x</a></p>',
  ],
  ['a heading of its level', '## Weekly **report**', '<h2>Weekly <strong>report</strong></h2>'],
  ['a bullet list', '- one\n- two', '<ul><li>one</li><li>two</li></ul>'],
  ['a numbered list', '1. first\n2) second', '<ol><li>first</li><li>second</li></ol>'],
  ['a quote', '> note', '<blockquote>note</blockquote>'],
  [
    'a code block with its language, escaped',
    '```html\n<b>&</b>\n```',
    '<pre><code data-lang="html">&lt;b&gt;&amp;&lt;/b&gt;</code></pre>',
  ],
  ['an unclosed code block runs to the end', '```\nx', '<pre><code>x</code></pre>'],
  [
    'a table with a header',
    '| a | b |\n|---|---|\n| 1 | **2** |',
    '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td><strong>2</strong></td></tr></tbody></table>',
  ],
])('webchat markdown - %s', (_what, md, html) => {
  expect(renderMarkdown(md)).toBe(html);
});
