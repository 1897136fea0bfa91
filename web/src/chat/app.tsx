// Signed out: the register / log-in screen. Signed in: the chat, one instance per login (a new
// login gets a new urql client, socket and store, so nothing of the previous user survives).
import { Provider } from '@urql/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createAnonymousClient } from './api/client';
import { createSession } from './api/session';
import { AuthScreen } from './auth/auth-screen';
import { ChatApp } from './shell/chat-app';

export function App() {
  const session = useMemo(createSession, []);
  const [current, setCurrent] = useState(session.current());
  useEffect(() => session.subscribe(() => setCurrent(session.current())), [session]);
  const anonymous = useMemo(createAnonymousClient, []);

  if (!current)
    return (
      <Provider value={anonymous}>
        <AuthScreen onSignedIn={(payload) => session.signIn(payload)} />
      </Provider>
    );
  return <ChatApp key={current.user.id} session={session} me={current.user} />;
}
