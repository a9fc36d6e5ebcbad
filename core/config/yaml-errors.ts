import type { YAMLError } from 'yaml';

/** A YAML syntax error in an operator's words: what is wrong, where it really is, and how to fix it. */
export interface PlainYamlError {
  /** Offset in the text of the character the operator must look at. */
  offset: number;
  message: string;
  hint: string;
}

const INDENT_HINT =
  'YAML reads structure from indentation: indent this line with spaces exactly as far as the other keys of the same block (in a list entry, the keys line up with the first key after "- ")';

/**
 * Translates an error of the `yaml` parser. Its messages speak of "implicit keys" and "block collections",
 * and it often places indentation errors at the start of the line, before the spaces; this points at the
 * first character that is out of place and says what to change.
 */
export function explainYamlError(e: YAMLError, text: string): PlainYamlError {
  const at = e.pos[0];
  const word = firstToken(text, at);
  const first = e.message.split('\n')[0] ?? e.message;
  switch (e.code) {
    case 'BAD_INDENT':
      if (first.startsWith('Flow sequence') || first.startsWith('Flow mapping'))
        return {
          offset: at,
          message: `a ${first.startsWith('Flow sequence') ? '[ list' : '{ mapping'} is not closed before this line`,
          hint: `close it on the line where it starts (["a", "b"]), or write one "- item" per line instead`,
        };
      return { offset: skipSpaces(text, at), message: `${quoted(word)} is not lined up with the lines above it`, hint: INDENT_HINT };
    case 'TAB_AS_INDENT':
      return {
        offset: at,
        message: 'a tab is used for indentation',
        hint: 'YAML allows only spaces for indentation: replace the tab with spaces',
      };
    case 'MISSING_CHAR':
      if (first.startsWith('Missing closing')) {
        const quote = first.includes('"') ? '"' : "'";
        return {
          offset: openingQuote(text, at, quote),
          message: `this quoted value has no closing ${quote}`,
          hint: `end the value with ${quote} on the same line (a ${quote} inside it is written ${quote === '"' ? '\\"' : "''"})`,
        };
      }
      if (first.startsWith('Sequence item without'))
        return { offset: skipSpaces(text, at), message: `${quoted(word)} is not lined up with the list entry above it`, hint: INDENT_HINT };
      if (first.startsWith('Implicit map keys need to be followed'))
        return {
          offset: at,
          message: `${quoted(word)} has no ": value" after it`,
          hint: 'write "key: value" (a space after the colon), or "- value" for a list item; if it belongs to the line above, indent it like that line',
        };
      if (first.startsWith('Missing , '))
        return { offset: at, message: 'a comma is missing between two items of a [ ] or { } list', hint: 'separate the items with ", "' };
      break;
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return {
        offset: at,
        message: 'a second ": " on this line, or a key that runs over two lines',
        hint: 'quote a value that contains ": " (title: "Sales: EMEA"); otherwise check the indentation of this line and the one above',
      };
    case 'BAD_SCALAR_START':
      return {
        offset: at,
        message: `a plain value cannot start with ${text[at] ?? 'this character'}`,
        hint: `quote the value: "${word}"`,
      };
    case 'UNEXPECTED_TOKEN':
      return {
        offset: at,
        message: `unexpected ${quoted(word)} here`,
        hint: 'check the brackets, quotes and indentation on this line and the one above',
      };
  }
  return {
    offset: at,
    message: `YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`,
    hint: 'check indentation and quoting around this position',
  };
}

function skipSpaces(text: string, at: number): number {
  let i = at;
  while (text[i] === ' ') i++;
  return i;
}

/** The word an operator sees at `at`: up to the next space, colon or end of line (`- use` for a list entry). */
function firstToken(text: string, at: number): string {
  const rest = text.slice(skipSpaces(text, at));
  const m = /^(- +)?([^\s:]*)/.exec(rest)!;
  return `${m[1] ? '- ' : ''}${m[2]!.slice(0, 40)}`.trim() || rest.slice(0, 1);
}

function quoted(word: string): string {
  return word ? `"${word}"` : 'this line';
}

/** Where the unclosed quoted value starts: the last quote before `end` that is not an escaped one. */
function openingQuote(text: string, end: number, quote: string): number {
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] !== quote) continue;
    if (quote === '"' && text[i - 1] === '\\') continue;
    if (quote === "'" && (text[i - 1] === "'" || text[i + 1] === "'")) continue;
    return i;
  }
  return end;
}
