import { subjects } from '../contract/subjects';
import { approveCode, listPairing, revokeSender } from '../pairing/admin';
import { isCode, normalizeCode, openPairingBucket } from '../pairing/records';
import { readOrReport, type Io } from './io';
import { withNats } from './with-nats';
import { readOpsConfig, type OpsConfig } from './ops-config';
import { ago, renderTable, until } from './table';

export interface PairArgs {
  action: string | undefined;
  /** The code (`approve`) or the sender id (`revoke`). */
  target: string | undefined;
  instance?: string;
  json: boolean;
}

export const PAIR_USAGE = 'chat-gateway pair list | approve CODE | revoke SENDER --instance CHANNEL/ACCOUNT  [-c FILE]';

/**
 * `chat-gateway pair`: the operator's side of pairing, on the `<prefix>_pairing` bucket every gateway
 * watches, so an approval reaches every replica at once without a restart.
 */
export async function pair(file: string, args: PairArgs, io: Io, now = new Date()): Promise<number> {
  const problem = checkArgs(args);
  if (problem) {
    io.err(`chat-gateway: ${problem}\n  usage: ${PAIR_USAGE}\n`);
    return 2;
  }
  const cfg = readOrReport(file, io, readOpsConfig);
  if (!cfg) return 1;
  return withNats(cfg, io, async (nc) => {
    const kv = await openPairingBucket(nc, subjects(cfg.nats.prefix));
    if (args.action === 'list') {
      const { pending, approved } = await listPairing(kv);
      if (args.json) {
        io.out(`${JSON.stringify({ pending, approved }, null, 2)}\n`);
        return 0;
      }
      const t = now.getTime();
      io.out(`Pending codes (${pending.length}):\n`);
      if (pending.length)
        io.out(
          renderTable(
            ['code', 'instance', 'sender', 'name', 'expires'],
            pending.map((p) => [p.code, `${p.channel}/${p.account}`, p.sender.id, p.sender.name ?? '-', until(p.expiresAt, t)]),
          ),
        );
      io.out(`\nApproved senders (${approved.length}):\n`);
      if (approved.length)
        io.out(
          renderTable(
            ['instance', 'sender', 'name', 'approved'],
            approved.map((a) => [`${a.channel}/${a.account}`, a.sender.id, a.sender.name ?? '-', ago(a.approvedAt, t)]),
          ),
        );
      return 0;
    }
    if (args.action === 'approve') {
      const code = normalizeCode(args.target!);
      const result = await approveCode(kv, code, now);
      if (result.ok) {
        const { sender, channel, account } = result.approval;
        io.out(
          `approved ${sender.id}${sender.name ? ` (${sender.name})` : ''} for ${channel}/${account}: their next message reaches the agent\n`,
        );
        return 0;
      }
      io.err(
        result.reason === 'expired'
          ? `chat-gateway: pairing code ${code} expired at ${result.pending.expiresAt}; ask ${result.pending.sender.id} to send a new message for a new code\n`
          : `chat-gateway: no pending pairing code ${code} (chat-gateway pair list shows the pending ones)\n`,
      );
      return 1;
    }
    const [channel, account] = args.instance!.split('/') as [string, string];
    const removed = await revokeSender(kv, channel, account, args.target!);
    if (!removed) {
      io.err(`chat-gateway: ${args.target} is not an approved sender of ${channel}/${account} (chat-gateway pair list shows them)\n`);
      return 1;
    }
    io.out(`revoked ${args.target} for ${channel}/${account}${stillListed(cfg, channel, account, args.target!)}\n`);
    return 0;
  });
}

function checkArgs(a: PairArgs): string | undefined {
  switch (a.action) {
    case 'list':
      return a.target ? `pair list takes no argument (got "${a.target}")` : undefined;
    case 'approve':
      if (!a.target) return 'pair approve needs the code the sender got';
      return isCode(normalizeCode(a.target))
        ? undefined
        : `"${a.target}" is not a pairing code (6 letters and digits, as in the message the sender got)`;
    case 'revoke':
      if (!a.target) return 'pair revoke needs the sender id (chat-gateway pair list shows them)';
      return /^[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/.test(a.instance ?? '') ? undefined : 'pair revoke needs --instance CHANNEL/ACCOUNT';
    case undefined:
      return 'pair needs an action: list, approve or revoke';
    default:
      return `unknown pair action "${a.action}"`;
  }
}

function stillListed(cfg: OpsConfig, channel: string, account: string, sender: string): string {
  const entry = cfg.instances.find((i) => i.channel === channel && i.account === account && i.enabled);
  const listed = entry?.allowFrom?.includes(sender) || entry?.allowFrom?.includes('*');
  return listed ? `; note: allowFrom of ${channel}/${account} in ${cfg.file} still lets them in` : '';
}
