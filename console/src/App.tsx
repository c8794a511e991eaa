import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, onUnauthorized, setCsrfToken, type Session } from './api';
import { Layout } from './components/Layout';
import { Loading } from './components/Loading';
import { ErrorNotice } from './components/ErrorNotice';
import { closeLiveEvents } from './lib/liveEvents';
import { SessionContext } from './lib/session';
import { matchPath, navigate, useLocation } from './router';
import { ApiKeys } from './views/ApiKeys';
import { Audit } from './views/Audit';
import { DomainDkim } from './views/DomainDkim';
import { DomainDmarc } from './views/DomainDmarc';
import { Domains } from './views/Domains';
import { DomainSpf } from './views/DomainSpf';
import { Login } from './views/Login';
import { MessageDetailView } from './views/MessageDetail';
import { MessageList } from './views/MessageList';
import { NotFound } from './views/NotFound';
import { Overview } from './views/Overview';
import { Relays } from './views/Relays';
import { SmtpSettings } from './views/SmtpSettings';
import { Suppressions } from './views/Suppressions';
import { Users } from './views/Users';

type Parameters = Record<string, string>;

const ROUTES: [string, ComponentType<{ params: Parameters }>][] = [
  ['/', Overview],
  ['/sent', () => <MessageList view="sent" />],
  ['/outbox', () => <MessageList view="outbox" />],
  ['/failed', () => <MessageList view="failed" />],
  ['/messages/:id', ({ params }) => <MessageDetailView id={params.id} />],
  ['/settings/smtp', SmtpSettings],
  ['/domains', Domains],
  ['/domains/:domain/spf', ({ params }) => <DomainSpf domain={params.domain} />],
  ['/domains/:domain/dkim', ({ params }) => <DomainDkim domain={params.domain} />],
  ['/domains/:domain/dmarc', ({ params }) => <DomainDmarc domain={params.domain} />],
  ['/users', Users],
  ['/apikeys', ApiKeys],
  ['/relays', Relays],
  ['/suppressions', Suppressions],
  ['/audit', Audit],
];

function resolve(path: string): { View: ComponentType<{ params: Parameters }>; params: Parameters } {
  for (const [pattern, View] of ROUTES) {
    const params = matchPath(pattern, path);
    if (params) return { View, params };
  }
  return { View: NotFound, params: {} };
}

type SessionState = { kind: 'checking' } | { kind: 'signed-out' } | { kind: 'failed'; error: ApiError } | { kind: 'signed-in'; session: Session };

export function App() {
  const { path } = useLocation();
  const [state, setState] = useState<SessionState>({ kind: 'checking' });

  const signedIn = (session: Session) => {
    setCsrfToken(session.csrf_token);
    setState({ kind: 'signed-in', session });
  };

  const signedOut = () => {
    setCsrfToken('');
    closeLiveEvents();
    setState({ kind: 'signed-out' });
  };

  useEffect(() => {
    onUnauthorized(signedOut);
    api<Session>('GET', '/session', { ignoreUnauthorized: true })
      .then(signedIn)
      .catch((cause: unknown) => {
        const error = cause instanceof ApiError ? cause : new ApiError(0, 'client', String(cause));
        if (error.status === 401) signedOut();
        else setState({ kind: 'failed', error });
      });
  }, []);

  // The login page has its own address; after signing in the reader returns where they were.
  useEffect(() => {
    if (state.kind === 'signed-out' && path !== '/login') {
      const back = location.pathname + location.search;
      navigate('/login' + (back !== '/' ? '?next=' + encodeURIComponent(back) : ''), { replace: true });
    } else if (state.kind === 'signed-in' && path === '/login') {
      const next = new URLSearchParams(location.search).get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    }
  }, [state.kind, path]);

  if (state.kind === 'checking') {
    return (
      <main id="main" class="login">
        <Loading what="Checking your session" />
      </main>
    );
  }
  // When the session check itself fails (outpost restarting, a proxy error), the login form
  // still shows, with the reason above it: signing in is the way to try again.
  if (state.kind === 'failed') {
    return <Login onSignedIn={signedIn} notice={<ErrorNotice error={state.error} title="outpost did not answer the session check: " />} />;
  }
  if (state.kind === 'signed-out') return <Login onSignedIn={signedIn} />;

  const logout = async () => {
    try {
      await api('DELETE', '/session', { ignoreUnauthorized: true });
    } catch {
      // Signed out either way: the cookie is gone or the session had already ended.
    }
    signedOut();
  };

  const { View, params } = resolve(path);
  return (
    <SessionContext.Provider value={{ user: state.session.user, logout }}>
      <Layout>
        <View key={path} params={params} />
      </Layout>
    </SessionContext.Provider>
  );
}
