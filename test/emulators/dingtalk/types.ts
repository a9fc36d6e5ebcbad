/** Shapes the DingTalk emulator shares with its tests. */

export interface EmulatorOptions {
  /** How often a frame nobody acknowledged is pushed again (DingTalk: a few seconds). */
  redeliverIntervalMs?: number;
  /** For how long an unacknowledged frame is pushed again (DingTalk: about a minute). */
  redeliverForMs?: number;
  /** How often the server sends a SYSTEM `ping` (0: never). */
  pingIntervalMs?: number;
  /** Calls per second one app may make to one OpenAPI path before Forbidden.AccessDenied.QpsLimitForAppkeyAndApi (DingTalk: 20). */
  qpsPerApi?: number;
  /** Lifetime of an access token (DingTalk: 7200 s). */
  tokenTtlSec?: number;
  /** Lifetime of a connections/open ticket (ms). */
  ticketTtlMs?: number;
  /** Largest upload per media type (bytes); DingTalk: image, file, video 20 MB, voice 2 MB. */
  uploadLimits?: Partial<Record<'image' | 'file' | 'voice' | 'video', number>>;
}

export interface AppInfo {
  /** AppKey, shown as Client ID in the console (`ding...`). */
  clientId: string;
  clientSecret: string;
  /** The robot's code: for an internal app's robot, its AppKey. */
  robotCode: string;
  /** The robot's own user id in conversations (`$:LWCP_v1:$...`). */
  chatbotUserId: string;
  corpId: string;
  name: string;
}

export interface AppOptions {
  name?: string;
  /** Permissions granted (default: all the emulator knows). */
  scopes?: string[];
}

export interface UserInfo {
  /** The user id in the organisation (senderStaffId, userIds of batchSend). */
  staffId: string;
  /** The encrypted id in conversations (`$:LWCP_v1:$...`). */
  senderId: string;
  nick: string;
}

export interface GroupInfo {
  openConversationId: string;
  title: string;
  members: string[];
  robots: string[];
}

/** A frame pushed down a Stream connection. */
export interface DownFrame {
  specVersion: '1.0';
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}

/** What a push came to: acknowledged (after how many attempts) or given up. */
export interface PushOutcome {
  acked: boolean;
  attempts: number;
  /** The `data` of the acknowledgement, parsed. */
  response?: unknown;
}

export interface Pushed {
  /** `headers.messageId` of the frame (the same in every redelivery). */
  messageId: string;
  frame: DownFrame;
  /** The payload (`data`), parsed. */
  payload: Record<string, unknown>;
  outcome: Promise<PushOutcome>;
}

/** A message a robot sent through the OpenAPI or a session webhook. */
export interface SentMessage {
  via: 'oto' | 'group' | 'webhook';
  robotCode: string;
  /** `oto`: the user ids; `group`/`webhook`: the openConversationId. */
  to: string[];
  /** The conversation as inbound envelopes name it: the user's staffId (direct) or the group's openConversationId. */
  conversation: string;
  msgKey: string;
  msgParam: Record<string, unknown>;
  /** What was shown: the text, markdown text, or the media id / file name. */
  text: string;
  processQueryKey: string;
  recalled: boolean;
}

export interface CardButton {
  text: string;
  token: string;
  style?: string;
}

/** An AI card delivered by createAndDeliver, as it is now. */
export interface CardState {
  outTrackId: string;
  robotCode: string;
  templateId: string;
  conversation: string;
  space: 'IM_GROUP' | 'IM_ROBOT';
  callbackType?: string;
  params: Record<string, string>;
  /** The streamed content of each key, with every frame applied. */
  content: string;
  /** Content of each accepted streaming frame, in order. */
  frames: Array<{ content: string; isFinalize: boolean; isError: boolean; guid: string }>;
  finalized: boolean;
  buttons: CardButton[];
}

export interface RequestRecord {
  method: string;
  path: string;
  clientId?: string;
  status: number;
  code?: string;
  /** When it was answered (ms since the epoch). */
  at: number;
}

/** A failure the next matching call answers with (DingTalk's shape `{code, message, requestid}`). */
export interface InjectedFailure {
  /** Path of the call (`/v1.0/robot/oToMessages/batchSend`). */
  path: string;
  status: number;
  code: string;
  message?: string;
  /** Fail this many matching calls (default 1). */
  times?: number;
  /** Let this many matching calls through first (default 0). */
  skip?: number;
}
