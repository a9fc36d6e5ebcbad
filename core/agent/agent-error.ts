import type { Receipt } from '../contract/schemas';
import type { AgentOnlyCode, ErrorCode } from '../errors';

/**
 * Why `reply()` or `send()` failed: a receipt error code of the contract, or one of the client's own —
 * `E_TIMEOUT` (no receipt in time; the gateway may still deliver it) and `E_CLOSED` (the client closed
 * while waiting). All are in the error catalogue (`docs/errors.md`).
 */
export type AgentErrorCode = ErrorCode | AgentOnlyCode;

/**
 * A failed delivery as the agent sees it. For a failed receipt it carries the receipt's `error`
 * (`code`, `message`, `platformCode`, `retryable`) and the receipt itself.
 */
export class AgentError extends Error {
  /** The receipt error code, or `E_TIMEOUT` / `E_CLOSED`. */
  readonly code: AgentErrorCode;
  /** Whether publishing the same envelope again (same `id`) may succeed. */
  readonly retryable: boolean;
  /** The platform's own error code, when the platform gave one. */
  readonly platformCode?: number | string;
  /** The outbound envelope id the error is about. */
  readonly id?: string;
  /** The failed receipt, when the gateway sent one. */
  readonly receipt?: Receipt;

  constructor(
    code: AgentErrorCode,
    message: string,
    options: { retryable: boolean; platformCode?: number | string; id?: string; receipt?: Receipt },
  ) {
    super(message);
    this.name = 'AgentError';
    this.code = code;
    this.retryable = options.retryable;
    if (options.platformCode !== undefined) this.platformCode = options.platformCode;
    if (options.id !== undefined) this.id = options.id;
    if (options.receipt !== undefined) this.receipt = options.receipt;
  }

  /** The error a failed receipt stands for. */
  static fromReceipt(receipt: Receipt): AgentError {
    const e = receipt.error;
    const options = {
      retryable: e?.retryable ?? false,
      receipt,
      ...(receipt.id !== undefined ? { id: receipt.id } : {}),
      ...(e?.platformCode !== undefined ? { platformCode: e.platformCode } : {}),
    };
    return new AgentError(e?.code ?? 'E_PLATFORM', e?.message ?? 'delivery failed', options);
  }
}
