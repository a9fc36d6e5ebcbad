import { renameSync, writeFileSync } from 'node:fs';
import { main, type Io } from '../../../core/cli/main';

/** Replaces the file the way editors do: write a new file next to it, then rename it over the old one. */
export function replaceFile(file: string, text: string): void {
  const tmp = `${file}.swp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Runs the CLI in-process as an operator would from a shell, capturing what it prints. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s) };
  const code = await main(argv, io);
  return { code, out, err };
}
