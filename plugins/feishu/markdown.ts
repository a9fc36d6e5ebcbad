import { chunkText } from '../../core/plugin';

/** Feishu's limits on one message's content, in bytes of the JSON `content` string. */
export const TEXT_LIMIT = 150 * 1024;
export const CARD_LIMIT = 30 * 1024;

/** Room left for the JSON around the text and for escaping (quotes, newlines, unicode). */
const ENVELOPE_RESERVE = 1024;

/** Bytes a string takes once JSON-escaped inside a content string that is itself JSON-escaped. */
export function escapedBytes(s: string): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(s)));
}

const isTableRow = (line: string) => /^\s*\|.*\|\s*$/.test(line);
const isDelimiter = (line: string) => /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line);

/** Number of markdown tables outside fenced code blocks. */
export function countTables(md: string): number {
  const lines = md.split('\n');
  let fence = false;
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    if (/^ {0,3}(```|~~~)/.test(lines[i]!)) fence = !fence;
    if (!fence && isTableRow(lines[i]!) && i + 1 < lines.length && isDelimiter(lines[i + 1]!)) count++;
  }
  return count;
}

/** Splits markdown so no piece has more than `maxTables` tables, cutting just before a table starts. */
function splitByTables(md: string, maxTables: number): string[] {
  const lines = md.split('\n');
  const pieces: string[][] = [[]];
  let fence = false;
  let inPiece = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^ {0,3}(```|~~~)/.test(line)) fence = !fence;
    const startsTable = !fence && isTableRow(line) && i + 1 < lines.length && isDelimiter(lines[i + 1]!);
    if (startsTable) {
      if (inPiece === maxTables) {
        pieces.push([]);
        inPiece = 0;
      }
      inPiece++;
    }
    pieces[pieces.length - 1]!.push(line);
  }
  return pieces.map((p) => p.join('\n').trim()).filter(Boolean);
}

/**
 * Markdown as a list of pieces that each fit one card: at most `maxTables` tables (Feishu refuses more
 * with 11310) and under the card size limit, split at paragraph or line boundaries, never in a code block.
 */
export function markdownPieces(md: string, maxTables: number, limit = CARD_LIMIT): string[] {
  return splitByTables(md, maxTables).flatMap((piece) => chunkText(piece, limit - ENVELOPE_RESERVE, escapedBytes));
}

/** Plain text as pieces under the text message limit. */
export function textPieces(text: string, limit = TEXT_LIMIT): string[] {
  return chunkText(text, limit - ENVELOPE_RESERVE, escapedBytes);
}

/** A card (JSON 2.0) whose body is one markdown element: renders headings, lists, code and tables. */
export function cardContent(md: string): string {
  return JSON.stringify({ schema: '2.0', config: { wide_screen_mode: true }, body: { elements: [{ tag: 'markdown', content: md }] } });
}

/** A post whose only element is `md`: lighter than a card, renders inline markdown. */
export function postMdContent(md: string): string {
  return JSON.stringify({ zh_cn: { content: [[{ tag: 'md', text: md }]] } });
}

export function textContent(text: string): string {
  return JSON.stringify({ text });
}
