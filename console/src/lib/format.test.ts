import { describe, expect, it } from 'vitest';
import { bareAddress, domainOf, fromLocalInput, relativeTime, toLocalInput } from './format';

describe('addresses', () => {
  it('takes the address out of a display name', () => {
    expect(bareAddress('"Shop <x>" <shop@example.com>')).toBe('shop@example.com');
    expect(bareAddress(' bob@example.org ')).toBe('bob@example.org');
  });

  it('finds the domain, lowercased', () => {
    expect(domainOf('Bob <bob@Mail.Example.ORG>')).toBe('mail.example.org');
    expect(domainOf('no-domain')).toBe('');
  });
});

describe('times', () => {
  it('says how far a time is from now', () => {
    const now = Date.parse('2026-11-29T21:00:00Z');
    expect(relativeTime('2026-11-29T21:05:00Z', now)).toMatch(/5 minutes/);
    expect(relativeTime('2026-11-29T18:00:00Z', now)).toMatch(/3 hours ago/);
    expect(relativeTime(null, now)).toBe('');
  });

  it('round-trips datetime-local values through ISO times', () => {
    const iso = fromLocalInput('2026-11-29T21:30');
    expect(iso).toMatch(/^2026-11-\d\dT\d\d:30:00.000Z$/);
    expect(toLocalInput(iso)).toBe('2026-11-29T21:30');
    expect(fromLocalInput('')).toBe('');
  });
});
