/** What stopping an emulator needs: most emulators also list the protocol errors they saw. */
export interface StoppableEmulator {
  stop(): Promise<void>;
  readonly protocolErrors?: ReadonlyArray<{ error: Error }>;
}

/** Stops `emu`, then fails if it saw protocol errors: the plugin spoke the platform's protocol wrongly. */
export async function stopEmulator(emu: StoppableEmulator): Promise<void> {
  await emu.stop();
  const errors = emu.protocolErrors ?? [];
  if (errors.length) throw new Error(`the emulator saw protocol errors: ${errors.map((e) => e.error.message).join('; ')}`);
}
