import { escapeSlack } from './text';

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const isTableRow = (line: string) => /^\s*\|.*\|\s*$/.test(line);
const isDelimiter = (line: string) => /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line);

/**
 * Markdown as Slack mrkdwn: `**bold**` → `*bold*`, `*italic*` → `_italic_`, `~~strike~~` → `~strike~`,
 * `[text](url)` → `<url|text>`, headings → bold lines, bullets → `•`, quotes kept, code kept (fences lose
 * their language, which Slack would print), tables as code blocks (Slack has none), and `&`, `<`, `>`
 * escaped everywhere else, as Slack requires.
 */
export function markdownToMrkdwn(md: string): string {
  const lines = md.replace(/[\u0000\u0001]/g, '').split('\n');
  const out: string[] = [];
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence) {
      const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      if (close.test(line)) {
        out.push('```');
        fence = undefined;
      } else out.push(escapeSlack(line));
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open) {
      fence = open[1]!;
      out.push('```');
      continue;
    }
    if (isTableRow(line) && i + 1 < lines.length && isDelimiter(lines[i + 1]!)) {
      out.push('```');
      while (i < lines.length && isTableRow(lines[i]!)) out.push(escapeSlack(lines[i++]!.trim()));
      i--;
      out.push('```');
      continue;
    }
    out.push(blockLine(line));
  }
  if (fence) out.push('```');
  return out.join('\n');
}

function blockLine(line: string): string {
  const heading = /^ {0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$/.exec(line);
  if (heading) {
    const text = heading[1]!.replace(/(\*\*|__)(.+?)\1/g, '$2');
    return text ? `*${inline(text)}*` : '';
  }
  const quote = /^ {0,3}>+\s?(.*)$/.exec(line);
  if (quote) return `>${quote[1] ? ` ${blockLine(quote[1])}` : ''}`;
  if (/^ {0,3}([-*_])( *\1){2,}\s*$/.test(line)) return '──────────';
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) {
    const task = /^\[([ xX])\]\s+(.*)$/.exec(bullet[2]!);
    if (task) return `${bullet[1]}${task[1] === ' ' ? '☐' : '☑'} ${inline(task[2]!)}`;
    return `${bullet[1]}• ${inline(bullet[2]!)}`;
  }
  return inline(line);
}

/** Inline markdown of one line: code spans and links are set aside, the rest escaped, then emphasis converted. */
function inline(text: string): string {
  const kept: string[] = [];
  const keep = (s: string) => `\u0000${kept.push(s) - 1}\u0000`;
  let s = text
    .replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_m, _ticks: string, code: string) => keep(`\`${escapeSlack(code)}\``))
    .replace(/!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, (_m, alt: string, url: string) => keep(link(url, alt)))
    .replace(/\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, (_m, label: string, url: string) => keep(link(url, label)))
    .replace(/<((?:https?|mailto):[^>\s]+)>/g, (_m, url: string) => keep(link(url, '')));
  s = escapeSlack(s)
    .replace(/\*\*\*(?!\s)(.+?)(?<!\s)\*\*\*/g, '\u0001_$1_\u0001')
    .replace(/\*\*(?!\s)(.+?)(?<!\s)\*\*/g, '\u0001$1\u0001')
    .replace(/(^|[^\w])__(?!\s)(.+?)(?<!\s)__(?!\w)/g, '$1\u0001$2\u0001')
    .replace(/~~(?!\s)(.+?)(?<!\s)~~/g, '~$1~')
    .replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])/g, '$1_$2_')
    .replace(/\u0001/g, '*');
  return s.replace(/\u0000(\d+)\u0000/g, (_m, n: string) => kept[Number(n)]!);
}

/** `<url|label>`: the label without markdown emphasis (Slack does not format inside it). */
function link(url: string, label: string): string {
  const plain = label.replace(/(\*\*|__|~~|\*|_|`)(.+?)\1/g, '$2').trim();
  const target = escapeSlack(url);
  return plain && plain !== url ? `<${target}|${escapeSlack(plain)}>` : `<${target}>`;
}
