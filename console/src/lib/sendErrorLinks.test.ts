import { describe, expect, it } from 'vitest';
import { fixLinkFor } from './sendErrorLinks';

const sender = 'Shop <shop@Example.com>';

describe('fixLinkFor', () => {
  it('sends authentication failures to the SMTP settings', () => {
    expect(fixLinkFor('535 5.7.8 Authentication credentials invalid', '', sender)?.href).toBe('/settings/smtp');
    expect(fixLinkFor('relay refused AUTH PLAIN', '', sender)?.href).toBe('/settings/smtp');
    expect(fixLinkFor('rejected', '5.7.8', sender)?.href).toBe('/settings/smtp');
  });

  it('sends SPF rejections to the SPF page of the sender domain', () => {
    expect(fixLinkFor('550 5.7.23 SPF validation failed', '', sender)?.href).toBe('/domains/example.com/spf');
    expect(fixLinkFor('message rejected by SPF policy', '', sender)?.href).toBe('/domains/example.com/spf');
  });

  it('sends DKIM rejections and the other 5.7.2x codes to the DKIM page', () => {
    expect(fixLinkFor('550 5.7.20 No passing DKIM signature found', '', sender)?.href).toBe('/domains/example.com/dkim');
    expect(fixLinkFor('rejected', '5.7.26', sender)?.href).toBe('/domains/example.com/dkim');
    expect(fixLinkFor('dkim=fail (bad signature)', '', sender)?.href).toBe('/domains/example.com/dkim');
  });

  it('gives no link for other errors', () => {
    expect(fixLinkFor('550 5.1.1 no such user', '5.1.1', sender)).toBeNull();
    expect(fixLinkFor('421 4.7.0 try again later', '', sender)).toBeNull();
  });
});
