// The words of the status model (design.md, "Status model"), as the console shows them.
import type { CheckStatus, DeliveryStatus, MessageSummary, ProcessingStatus } from '../api';

export const PROCESSING_LABELS: Record<ProcessingStatus, string> = {
  queued: 'Queued',
  processing: 'Processing',
  processed: 'Processed',
  failure: 'Failure',
  cancelled: 'Cancelled',
};

export const DELIVERY_LABELS: Record<DeliveryStatus, string> = {
  unknown: 'Awaiting report',
  delivered: 'Delivered',
  failed: 'Failed',
};

export const CHECK_LABELS: Record<CheckStatus, string> = {
  ok: 'OK',
  warning: 'Warning',
  missing: 'Missing',
  error: 'Error',
};

/** The tone a badge takes; the text label always says the same thing in words. */
export type Tone = 'good' | 'bad' | 'warn' | 'neutral' | 'busy';

export function processingTone(status: string): Tone {
  switch (status) {
    case 'processed':
      return 'good';
    case 'failure':
      return 'bad';
    case 'processing':
      return 'busy';
    default:
      return 'neutral';
  }
}

export function deliveryTone(status: string): Tone {
  if (status === 'delivered') return 'good';
  if (status === 'failed') return 'bad';
  return 'neutral';
}

export function checkTone(status: string): Tone {
  switch (status) {
    case 'ok':
    case 'pass':
    case 'active':
      return 'good';
    case 'warning':
    case 'softfail':
    case 'neutral':
    case 'pending':
      return 'warn';
    case 'error':
    case 'fail':
    case 'permerror':
    case 'temperror':
    case 'problem':
      return 'bad';
    default:
      return 'neutral';
  }
}

/** A queued message that already failed an attempt and waits for the next one. */
export function isDeferred(message: Pick<MessageSummary, 'processing_status' | 'attempts' | 'next_attempt_at'>): boolean {
  return message.processing_status === 'queued' && message.attempts > 0 && message.next_attempt_at !== null;
}

export const STATUS_FILTERS: { value: string; label: string }[] = [
  { value: '', label: 'Any status' },
  { value: 'queued', label: 'Queued' },
  { value: 'deferred', label: 'Deferred' },
  { value: 'processing', label: 'Processing' },
  { value: 'processed', label: 'Processed' },
  { value: 'failure', label: 'Failure' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: 'unknown', label: 'Awaiting report' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'failed', label: 'Delivery failed' },
];
