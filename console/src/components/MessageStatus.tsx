import type { MessageSummary } from '../api';
import { DELIVERY_LABELS, deliveryTone, isDeferred, PROCESSING_LABELS, processingTone } from '../lib/statuses';
import { Badge } from './Badge';

/** The processing status word; the Outbox and detail pages name a deferred "queued" as Deferred. */
export function ProcessingBadge(props: {
  message: Pick<MessageSummary, 'processing_status' | 'attempts' | 'next_attempt_at'>;
  showDeferred?: boolean;
}) {
  const { message, showDeferred = true } = props;
  if (showDeferred && isDeferred(message)) return <Badge tone="warn">Deferred</Badge>;
  const status = message.processing_status;
  return <Badge tone={processingTone(status)}>{PROCESSING_LABELS[status] ?? status}</Badge>;
}

export function DeliveryBadge({ status }: { status: string }) {
  return <Badge tone={deliveryTone(status)}>{DELIVERY_LABELS[status as keyof typeof DELIVERY_LABELS] ?? status}</Badge>;
}

/** The warning sign of a message with a failed attempt, with words for screen readers. */
export function WarningMark({ shown }: { shown: boolean }) {
  if (!shown) return null;
  return (
    <span class="warning-mark" title="An attempt had an error">
      <span aria-hidden="true">⚠</span>
      <span class="visually-hidden">An attempt had an error</span>
    </span>
  );
}
