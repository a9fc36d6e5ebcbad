import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';

/**
 * Watches a config file and calls `onChange` once its content changed and then stayed still for
 * `debounceMs`. It watches the folder, not the file: editors and config maps replace a file (write a
 * new one, rename it over the old) and a watch on the old file would go quiet after the first save.
 * Any event in the folder leads to a read, and only a different content counts as a change.
 */
export class ConfigWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private text?: string;

  constructor(
    private readonly file: string,
    private readonly onChange: (text: string) => void,
    private readonly log: Logger,
    private readonly debounceMs = 500,
  ) {}

  start(): void {
    this.text ??= this.read();
    this.watcher = watch(dirname(this.file), { persistent: false }, () => this.poke());
    this.watcher.on('error', (err) =>
      this.log.warn({ err: err.message, file: this.file }, 'config file watch stopped; reload with SIGHUP or `chat-gateway reload`'),
    );
    this.log.debug({ file: this.file }, 'watching the config file for changes');
  }

  /** The content the running config came from, so a reload by other means is not repeated. */
  seen(text: string): void {
    this.text = text;
  }

  private poke(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), this.debounceMs);
    this.timer.unref?.();
  }

  private check(): void {
    const text = this.read();
    // Missing for a moment while an editor replaces it: the rename that brings it back fires again.
    if (text === undefined || text === this.text) return;
    this.text = text;
    this.log.info({ file: basename(this.file) }, 'config file changed: reloading');
    this.onChange(text);
  }

  private read(): string | undefined {
    try {
      return readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
