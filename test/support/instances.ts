/**
 * The started instances of a test-only plugin, by account: tests reach an instance through `get` to act
 * as its platform. An instance adds itself when it starts and takes itself out when it stops.
 */
export class Instances<T> {
  private readonly byAccount = new Map<string, T>();

  constructor(private readonly plugin: string) {}

  get(account = 'default'): T {
    const a = this.byAccount.get(account);
    if (!a) throw new Error(`no started ${this.plugin} instance for account ${account}`);
    return a;
  }

  has(account = 'default'): boolean {
    return this.byAccount.has(account);
  }

  started(account: string, instance: T): void {
    this.byAccount.set(account, instance);
  }

  /** Takes the instance out, unless a newer one of the account replaced it already. */
  stopped(account: string, instance: T): void {
    if (this.byAccount.get(account) === instance) this.byAccount.delete(account);
  }
}
