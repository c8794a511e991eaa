// The signed-in user, shared by every view.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { User } from '../api';

export interface SessionValue {
  user: User;
  logout: () => void;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
