// Points a send error to the settings page that fixes it: an authentication failure is the
// relay's login (SMTP settings), a DKIM or SPF rejection is the sender domain's record.
import { domainOf } from './format';

export interface FixLink {
  href: string;
  label: string;
}

function enhancedCodes(text: string): string[] {
  return text.match(/\b[245]\.\d{1,3}\.\d{1,3}\b/g) ?? [];
}

function codeIn(codes: string[], first: number, last: number): boolean {
  return codes.some((code) => {
    const [klass, subject, detail] = code.split('.').map(Number);
    return klass === 5 && subject === 7 && detail >= first && detail <= last;
  });
}

/**
 * @param errorText the reply text, description or last_error (any of them may name the cause)
 * @param enhancedCode the attempt's enhanced status code when known separately
 * @param sender the From or MAIL FROM address, whose domain the DNS pages are about
 */
export function fixLinkFor(errorText: string, enhancedCode: string, sender: string): FixLink | null {
  const codes = enhancedCodes(errorText);
  if (enhancedCode) codes.push(enhancedCode);
  const domain = domainOf(sender);
  const domainPage = (page: string) => `/domains/${encodeURIComponent(domain)}/${page}`;

  const authentication =
    /\b535\b/.test(errorText) || codes.includes('5.7.8') || /\bAUTH\b|authenticat/i.test(errorText);
  if (authentication) return { href: '/settings/smtp', label: 'Check the SMTP login settings' };

  // 5.7.23 and 5.7.24 are the SPF codes within the authentication range (RFC 7372).
  const spf = /\bSPF\b/i.test(errorText) || codeIn(codes, 23, 24);
  if (spf && domain) return { href: domainPage('spf'), label: `Check the SPF record of ${domain}` };

  const dkim = /\bDKIM\b/i.test(errorText) || codeIn(codes, 20, 27);
  if (dkim && domain) return { href: domainPage('dkim'), label: `Check the DKIM keys of ${domain}` };

  if (/\bDMARC\b/i.test(errorText) && domain) return { href: domainPage('dmarc'), label: `Check the DMARC policy of ${domain}` };
  return null;
}
