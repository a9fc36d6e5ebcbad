import { MARKDOWN_JS } from '../../plugins/webchat/markdown-js';
import cases from './cases/webchat-markdown.json';

/** The page's own renderer: the very source the page inlines, run here. */
const renderMarkdown = new Function(`${MARKDOWN_JS}\nreturn renderMarkdown;`)() as (md: string) => string;

// Each case: agent markdown and the HTML the page shows (escaping, safe links, lists, code, tables).
test.each(cases)('webchat markdown - $what', ({ markdown, html }) => {
  expect(renderMarkdown(markdown)).toBe(html);
});
