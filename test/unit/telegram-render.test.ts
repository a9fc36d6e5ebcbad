import { parseMarkdown } from '../../plugins/telegram/markdown';
import { toHtml, toMarkdownV2, toPlain } from '../../plugins/telegram/render';
import cases from './cases/telegram-render.json';

const render = (md: string) => {
  const blocks = parseMarkdown(md);
  return { html: toHtml(blocks), markdownV2: toMarkdownV2(blocks), plain: toPlain(blocks) };
};

// Each case: agent markdown and what Telegram gets as HTML and as MarkdownV2, and the plain fallback.
test.each(cases)('telegram render - $what', ({ markdown, html, markdownV2, plain }) => {
  expect(render(markdown)).toEqual({ html, markdownV2, plain });
});

test('telegram render - italics side by side do not merge into underline in MarkdownV2', () => {
  expect(render('_a_ _b_').markdownV2).toBe('_a_ _b_');
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
