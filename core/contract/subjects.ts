/** Subject and stream names derived from the configured prefix (`chat` by default). */
export interface Subjects {
  prefix: string;
  /** `<prefix>.in.<channel>.<account>`: stored inbound envelopes, each once. */
  in(channel: string, account: string): string;
  /** `<prefix>.ingest.<channel>.<account>`: what the inbound stream stores and de-duplicates. */
  ingest(channel: string, account: string): string;
  /** `<prefix>.out.<channel>.<account>`: outbound envelopes published by agents. */
  out(channel: string, account: string): string;
  receipt(channel: string, account: string): string;
  status(channel: string, account: string): string;
  /** Stream and bucket names: `CHAT_IN`, `CHAT_OUT`, `chat_status` for prefix `chat`. */
  inStream: string;
  outStream: string;
  statusBucket: string;
  outboxBucket: string;
  /** Who consumes each account's outbound queue right now (one replica at a time). */
  leaseBucket: string;
  /** When each instance last stored an inbound message and delivered an outbound one. */
  activityBucket: string;
  /** Pairing codes and the senders operators approved with them. */
  pairingBucket: string;
  /** Plugins' own durable state (`ctx.store`), per instance. */
  storeBucket: string;
  /** `<prefix>.media.<channel>.<account>`: requests for the bytes of an inbound media part. */
  media(channel: string, account: string): string;
  /** The Object Store bucket files move through (`chat_media`). */
  mediaBucket: string;
  /** `<prefix>.control.<command>`: operator requests every gateway answers (`reload`). */
  control(command: string): string;
}

/** Builds every subject and stream name for one prefix (a dot-separated list of subject tokens). */
export function subjects(prefix = 'chat'): Subjects {
  const token = prefix.replace(/[^A-Za-z0-9]/g, '_');
  const at = (kind: string) => (channel: string, account: string) => `${prefix}.${kind}.${channel}.${account}`;
  return {
    prefix,
    in: at('in'),
    ingest: at('ingest'),
    out: at('out'),
    receipt: at('receipt'),
    status: at('status'),
    inStream: `${token.toUpperCase()}_IN`,
    outStream: `${token.toUpperCase()}_OUT`,
    statusBucket: `${token}_status`,
    outboxBucket: `${token}_outbox`,
    leaseBucket: `${token}_leases`,
    activityBucket: `${token}_activity`,
    pairingBucket: `${token}_pairing`,
    storeBucket: `${token}_plugins`,
    media: at('media'),
    mediaBucket: `${token}_media`,
    control: (command) => `${prefix}.control.${command}`,
  };
}

/** Splits `<prefix>.<kind>.<channel>.<account>` back into its tokens, or undefined if it has another shape. */
export function parseSubject(prefix: string, subject: string): { kind: string; channel: string; account: string } | undefined {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  const rest = subject.slice(prefix.length + 1).split('.');
  if (rest.length !== 3) return undefined;
  const [kind, channel, account] = rest as [string, string, string];
  return { kind, channel, account };
}
