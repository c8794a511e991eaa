import { describe, expect, it } from 'vitest';
import { isDeferred } from './statuses';

describe('isDeferred', () => {
  it('is a queued message with a failed attempt and a next attempt', () => {
    expect(isDeferred({ processing_status: 'queued', attempts: 1, next_attempt_at: '2026-11-29T21:00:00Z' })).toBe(true);
  });

  it('is not a fresh queued message, nor one in another state', () => {
    expect(isDeferred({ processing_status: 'queued', attempts: 0, next_attempt_at: null })).toBe(false);
    expect(isDeferred({ processing_status: 'failure', attempts: 3, next_attempt_at: null })).toBe(false);
  });
});
