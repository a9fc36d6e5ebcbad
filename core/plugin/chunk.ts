/** A fenced code block open at some point of the text. */
interface Fence {
  /** The run of backticks or tildes that opened it, and that closes it. */
  marker: string;
  /** What starts the block again in the next chunk: the opening line with its language. */
  reopen: string;
  /** The longer of the opening line and `reopen`: what a chunk of this block may start with. */
  head: string;
}

/** A line of the text, or a piece of a line too long for one chunk. */
interface Unit {
  text: string;
  /** Continues the previous unit on the same line (a long line was cut here). */
  joined: boolean;
  /** The code block open after this unit. */
  fence?: Fence;
  /** Opens or closes a code block. */
  fenceLine: boolean;
  /** A blank line outside code, or the end of a code block: a good place to cut after. */
  paragraphEnd: boolean;
}

const OPEN = /^ {0,3}(`{3,}|~{3,})/;
const CLOSE = /^ {0,3}(`{3,}|~{3,})\s*$/;

/**
 * Splits text into chunks of at most `limit` measured by `measure` (UTF-8 bytes by default), preferring
 * paragraph, then line, then word boundaries. A fenced code block is never cut in the middle: one that
 * does not fit is closed at the cut and reopened (with its language) in the next chunk. A character,
 * emoji included, is never cut in half. `measure` may add a constant (such as JSON quotes) to a length.
 */
export function chunkText(text: string, limit: number, measure: (s: string) => number = (s) => Buffer.byteLength(s)): string[] {
  if (limit < 16) throw new RangeError('chunkText: limit must be at least 16');
  if (measure(text) <= limit) return [text];
  const units = toUnits(text, limit, measure);
  const chunks: string[] = [];
  let i = 0;
  while (i < units.length) {
    let open = units[i - 1]?.fence;
    // The previous chunk already closed this block: its own closing line would open an empty one.
    if (open && units[i]!.fenceLine) {
      open = undefined;
      i++;
    }
    while (!open && i < units.length && units[i]!.text.trim() === '') i++;
    if (i >= units.length) break;
    let end = fill(units, i, open, limit, measure);
    let chunk = build(units, i, end, open);
    // A measure that is not a sum of its parts may still overshoot: give back units until it fits.
    while (measure(chunk) > limit && end - 1 > i) chunk = build(units, i, --end, open);
    chunks.push(chunk);
    i = end;
  }
  return chunks.filter((c) => c.trim() !== '');
}

/** Where the chunk starting at unit `start` ends (exclusive): as far as fits, then back to a good boundary. */
function fill(units: Unit[], start: number, open: Fence | undefined, limit: number, measure: (s: string) => number): number {
  const empty = measure('');
  let size = open ? measure(open.reopen) : empty;
  let end = start;
  let lastBreak = -1;
  while (end < units.length) {
    const u = units[end]!;
    const sep = end === start ? (open ? '\n' : '') : u.joined ? '' : '\n';
    const add = measure(sep + u.text) - empty;
    const close = u.fence ? measure(`\n${u.fence.marker}`) - empty : 0;
    if (end > start && size + add + close > limit) break;
    // The start of a code block is as good a place to cut as the end of a paragraph.
    if (end > start && u.fenceLine && u.fence) lastBreak = end;
    size += add;
    end++;
    if (u.paragraphEnd) lastBreak = end;
  }
  if (end === units.length) return end;
  if (lastBreak > start) end = lastBreak;
  // Do not end a chunk on a block's opening line: the block starts in the next chunk instead.
  const last = units[end - 1]!;
  if (end - 1 > start && last.fenceLine && last.fence) end--;
  return end;
}

function build(units: Unit[], start: number, end: number, open: Fence | undefined): string {
  const lines: string[] = open ? [open.reopen] : [];
  for (let k = start; k < end; k++) {
    const u = units[k]!;
    if (u.joined && k > start) lines[lines.length - 1] += u.text;
    else lines.push(u.text);
  }
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  const fence = units[end - 1]!.fence;
  if (fence && end < units.length) lines.push(fence.marker);
  return lines.join('\n');
}

function toUnits(text: string, limit: number, measure: (s: string) => number): Unit[] {
  const units: Unit[] = [];
  let fence: Fence | undefined;
  for (const line of text.split('\n')) {
    const before = fence;
    const close = before ? CLOSE.exec(line) : null;
    const opened = before ? null : OPEN.exec(line);
    if (close && close[1]![0] === before!.marker[0] && close[1]!.length >= before!.marker.length) fence = undefined;
    else if (opened) {
      const reopen = measure(line.trim()) <= limit / 4 ? line.trim() : opened[1]!;
      fence = { marker: opened[1]!, reopen, head: measure(line) > measure(reopen) ? line : reopen };
    }
    const fenceLine = fence !== before;
    // Room for a code line: the chunk may open the block before it and close it after.
    const budget = fence && !fenceLine ? limit - (measure(`${fence.head}\n\n${fence.marker}`) - measure('')) : limit;
    if (fenceLine || measure(line) <= budget) {
      units.push({ text: line, joined: false, fence, fenceLine, paragraphEnd: fenceLine ? !fence : !fence && line.trim() === '' });
      continue;
    }
    splitLine(line, budget, measure).forEach((piece, n) =>
      units.push({ text: piece, joined: n > 0, fence, fenceLine: false, paragraphEnd: false }),
    );
  }
  return units;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Cuts a line into pieces that each measure at most `budget`, at a space when one is near the cut. */
function splitLine(line: string, budget: number, measure: (s: string) => number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < line.length) {
    let end = line.length;
    if (measure(line.slice(start)) > budget) {
      let lo = start + 1;
      let hi = line.length - 1;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (measure(line.slice(start, mid)) <= budget) lo = mid;
        else hi = mid - 1;
      }
      end = characterBoundary(line, lo, start);
      const space = line.lastIndexOf(' ', end - 1);
      if (space >= start && space + 1 - start >= (end - start) / 2) end = space + 1;
    }
    pieces.push(line.slice(start, end));
    start = end;
  }
  return pieces;
}

/**
 * The last position at or before `pos` (and after `min`) that does not cut a character as the user sees
 * it (an emoji sequence, a flag, a letter with accents). Only a window around `pos` is segmented (the
 * whole line would cost memory quadratic in its length), reaching past `pos` to see the whole character there.
 */
function characterBoundary(line: string, pos: number, min: number): number {
  const from = Math.max(min, pos - 64);
  let best = min;
  for (const { index } of graphemes.segment(line.slice(from, pos + 32))) {
    if (from + index > pos) break;
    best = from + index;
  }
  if (best > min) return best;
  // One character larger than the budget: cut it between code points, never inside a surrogate pair.
  const code = line.charCodeAt(pos - 1);
  const cut = code >= 0xd800 && code <= 0xdbff ? pos - 1 : pos;
  return cut > min ? cut : min + (line.codePointAt(min)! > 0xffff ? 2 : 1);
}
