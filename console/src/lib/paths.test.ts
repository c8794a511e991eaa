import { describe, expect, it } from 'vitest';
import { matchPath } from './paths';

describe('matchPath', () => {
  it('matches the root only for the root', () => {
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/', '/sent')).toBeNull();
  });

  it('decodes parameters', () => {
    expect(matchPath('/messages/:id', '/messages/01JD%2Fx')).toEqual({ id: '01JD/x' });
    expect(matchPath('/domains/:domain/dkim', '/domains/example.com/dkim')).toEqual({ domain: 'example.com' });
  });

  it('ignores a trailing slash', () => {
    expect(matchPath('/sent', '/sent/')).toEqual({});
  });

  it('refuses other lengths, other words and malformed escapes', () => {
    expect(matchPath('/domains/:domain/dkim', '/domains/example.com/spf')).toBeNull();
    expect(matchPath('/messages/:id', '/messages/a/b')).toBeNull();
    expect(matchPath('/messages/:id', '/messages/%E0%A4%A')).toBeNull();
  });
});
