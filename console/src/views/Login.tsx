import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, type Session } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';

function minutesFrom(seconds: number | null): number {
  return Math.max(1, Math.ceil((seconds ?? 900) / 60));
}

export function Login({ onSignedIn, notice }: { onSignedIn: (session: Session) => void; notice?: ComponentChildren }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const session = await api<Session>('POST', '/session', { body: { email, password }, ignoreUnauthorized: true });
      onSignedIn(session);
    } catch (cause) {
      const failure = cause instanceof ApiError ? cause : new ApiError(0, 'client', String(cause));
      if (failure.status === 429) {
        const minutes = minutesFrom(failure.retryAfterSeconds);
        setError(new ApiError(429, failure.code, `too many attempts, try again in ${minutes} minute${minutes === 1 ? '' : 's'}`));
      } else if (failure.status === 401) {
        setError(new ApiError(401, failure.code, failure.message || 'wrong email or password'));
      } else {
        setError(failure);
      }
    } finally {
      setPending(false);
    }
  };

  return (
    <main id="main" class="login">
      <div class="login-card">
        <h1>Sign in to outpost</h1>
        {notice}
        <form onSubmit={submit} noValidate>
          <ErrorNotice error={error} title="Could not sign in: " />
          <Field id="login-email" label="Email">
            <input
              id="login-email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onInput={(event) => setEmail(event.currentTarget.value)}
            />
          </Field>
          <Field id="login-password" label="Password">
            <input
              id="login-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(event) => setPassword(event.currentTarget.value)}
            />
          </Field>
          <button type="submit" class="primary" disabled={pending}>
            {pending ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
