/** The shape of the streams of the bench (`streams.ts`), shared with the baseline process. */
import { now } from './stats';

export const STREAMS = 100;
export const FRAMES = 50;
/** A frame every 120 ms (about 8 a second, a model's pace of output): under CardKit's 10 per second per card. */
export const FRAME_MS = 120;

/** The words of stream `s` after frame `k` (5 words a frame). */
export const frameText = (tag: string, s: number, k: number): string =>
  `${tag}:${s} ${Array.from({ length: k * 5 }, (_, i) => `w${i}`).join(' ')}`;

/** The final text of stream `s`, stamped with the moment it is handed over. */
export const finalText = (tag: string, s: number): string =>
  `${tag}:${s}:${now()} ${frameText(tag, s, FRAMES).split(' ').slice(1).join(' ')} END`;
