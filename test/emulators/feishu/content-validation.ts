/**
 * Validation of `msg_type` + `content` as Feishu's send/reply APIs do it.
 *
 * - Unknown msg_type → 230001 "ext=invalid msg_type".
 * - content not JSON → 230001 "ext=invalid message content, ext=content is not a string in json format".
 * - Wrong shape for the type → 230001 "ext=invalid message content, ext=content format of the <type>
 *   type is incorrect" (post: the per-tag "…field can't be nil" / "message_content has wrong tag").
 * - Size: text 150 KB, post and interactive 30 KB → 230025.
 * - Cards: no elements/body → 230099; more tables than allowed → 230099 "ErrCode: 11310".
 */
import { Codes, fail, feishuError, invalidParam } from './errors';

export const MSG_TYPES = [
  'text',
  'post',
  'image',
  'file',
  'audio',
  'media',
  'sticker',
  'interactive',
  'share_chat',
  'share_user',
  'system',
] as const;

const TEXT_LIMIT = 150 * 1024;
const RICH_LIMIT = 30 * 1024;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

const badContent = (detail: string): never => fail(invalidParam(`invalid message content, ext=${detail}`));
const wrongFormat = (type: string): never => badContent(`content format of the ${type} type is incorrect`);

/** Required field per post tag, as listed in the 230001 FAQ. */
const POST_TAG_FIELDS: Record<string, string[]> = {
  text: ['text'],
  a: ['href', 'text'],
  at: ['user_id'],
  img: ['image_key'],
  media: ['file_key'],
  emotion: ['emoji_type'],
  md: ['text'],
  hr: [],
  code_block: [],
};

function validatePostBody(body: Record<string, unknown>): void {
  if (!Array.isArray(body.content)) wrongFormat('post');
  for (const para of body.content as unknown[]) {
    if (!Array.isArray(para)) wrongFormat('post');
    for (const el of para as unknown[]) {
      if (!isObj(el) || typeof el.tag !== 'string') wrongFormat('post');
      const tag = (el as Record<string, unknown>).tag as string;
      const fields = POST_TAG_FIELDS[tag];
      if (!fields) badContent(`message_content has wrong tag:{${tag}}`);
      for (const f of fields) {
        if ((el as Record<string, unknown>)[f] === undefined || (el as Record<string, unknown>)[f] === null) {
          badContent(`message_content_${tag}_tag's ${f} field can't be nil`);
        }
      }
    }
  }
}

function validatePost(c: Record<string, unknown>): void {
  // Direct form {title?, content:[[...]]} or locale form {zh_cn:{title?, content}, en_us:{...}}.
  if ('content' in c) return validatePostBody(c);
  const locales = Object.entries(c);
  if (locales.length === 0) wrongFormat('post');
  for (const [locale, body] of locales) {
    // The receive-side wrapper {"post": {...}} is not accepted by the send API.
    if (!/^[a-z]{2}_[a-z]{2}$/.test(locale) || !isObj(body)) wrongFormat('post');
    validatePostBody(body as Record<string, unknown>);
  }
}

function countTables(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countTables(x), 0);
  if (!isObj(v)) return 0;
  let n = v.tag === 'table' ? 1 : 0;
  if (v.tag === 'markdown' && typeof v.content === 'string') {
    n += (v.content.match(/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/gm) ?? []).length;
  }
  for (const x of Object.values(v)) n += countTables(x);
  return n;
}

function validateCard(c: Record<string, unknown>, tableLimit: number): void {
  const cardFail = (ext: string): never => fail(feishuError(Codes.cardFailed, ext));
  // A card entity from CardKit: `cardkit.ts` checks the card itself when the message is sent.
  if (c.type === 'card') return;
  if (c.type === 'template') {
    if (!isObj(c.data) || !isStr((c.data as Record<string, unknown>).template_id)) {
      cardFail('ErrCode: 10002; ErrMsg: template_id is required; ');
    }
    return;
  }
  const v2 = c.schema === '2.0';
  const elements = v2 ? (isObj(c.body) ? (c.body as Record<string, unknown>).elements : undefined) : c.elements;
  if (!Array.isArray(elements) && !(!v2 && isObj(c.i18n_elements))) {
    cardFail('ErrCode: 200621; ErrMsg: parse card json err, please check whether the card json is correct; ');
  }
  if (countTables(c) > tableLimit) {
    cardFail('ErrCode: 11310; ErrMsg: card table number over limit; ErrorValue: table;');
  }
}

/** The key each media and share message's content must carry, a non-empty string. */
const REQUIRED_KEY: Record<string, string> = {
  image: 'image_key',
  file: 'file_key',
  audio: 'file_key',
  sticker: 'file_key',
  media: 'file_key',
  share_chat: 'chat_id',
  share_user: 'user_id',
  system: 'type',
};

/** Validate and parse `content` for `msgType`; throws a FeishuHttpError like the real API. */
export function validateContent(msgType: string, rawContent: string, cardTableLimit: number): unknown {
  if (!(MSG_TYPES as readonly string[]).includes(msgType)) fail(invalidParam('invalid msg_type'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawContent);
  } catch {
    return badContent('content is not a string in json format');
  }
  if (!isObj(parsed)) return badContent('content is not a string in json format');
  const size = Buffer.byteLength(rawContent, 'utf8');
  const limit = msgType === 'text' ? TEXT_LIMIT : msgType === 'post' || msgType === 'interactive' ? RICH_LIMIT : Infinity;
  if (size > limit) fail(Codes.contentTooLong);
  const c = parsed;
  const key = REQUIRED_KEY[msgType];
  if (key && !isStr(c[key])) wrongFormat(msgType);
  switch (msgType) {
    case 'text':
      if (typeof c.text !== 'string') wrongFormat('text');
      break;
    case 'post':
      validatePost(c);
      break;
    case 'interactive':
      validateCard(c, cardTableLimit);
      break;
  }
  return parsed;
}
