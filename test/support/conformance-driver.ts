import type { FailureKind } from '../../core/testing';
import { stopEmulator, type StoppableEmulator } from './emulators';

/**
 * What the conformance drivers of the emulated platforms share: the emulator is started with the kit
 * and stopped after it (having seen no protocol errors), every gateway gets a fresh app (bot), so a
 * previous gateway's connection cannot take what is meant for this one, and `attached` resolves once
 * the platform sees it. The platforms have groups and refuse sends both ways.
 */
export abstract class EmulatorDriver<E extends StoppableEmulator, A> {
  readonly supports = { groups: true, failures: ['retryable', 'permanent'] as FailureKind[] };
  protected emu!: E;
  /** The app of the gateway under test. */
  protected app!: A;

  async start(): Promise<void> {
    this.emu = await this.startEmulator();
  }

  async stop(): Promise<void> {
    await stopEmulator(this.emu);
  }

  options(): Record<string, unknown> {
    this.app = this.newApp();
    return this.pluginOptions(this.app);
  }

  async attached(): Promise<void> {
    await this.connected(this.app);
  }

  protected abstract startEmulator(): Promise<E>;
  /** A fresh app on the emulator. */
  protected abstract newApp(): A;
  /** The plugin options that point the plugin at `app` on the emulator. */
  protected abstract pluginOptions(app: A): Record<string, unknown>;
  /** Resolves once the platform sees the plugin connected for `app`. */
  protected abstract connected(app: A): Promise<unknown>;
}
