// Register or log in. Errors show the server's message under the form (role=alert, so screen
// readers announce it), and the field it names (extensions.field) is marked invalid and focused.
import { useMutation } from '@urql/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError, errorInfo } from '../api/errors';
import type { StoredSession } from '../api/session';
import { LoginMutation, RegisterMutation } from './auth-operations';

type Mode = 'login' | 'register';

export function AuthScreen({ onSignedIn }: { onSignedIn(payload: StoredSession): void }) {
  const [mode, setMode] = useState<Mode>('login');
  const [error, setError] = useState<{ text: string; field?: string } | null>(null);
  const [login, doLogin] = useMutation(LoginMutation);
  const [register, doRegister] = useMutation(RegisterMutation);
  const form = useRef<HTMLFormElement>(null);
  const busy = login.fetching || register.fetching;

  useEffect(() => {
    setError(null);
    form.current?.querySelector<HTMLInputElement>('input')?.focus();
  }, [mode]);

  useEffect(() => {
    if (error?.field) form.current?.querySelector<HTMLInputElement>(`[name="${error.field}"]`)?.focus();
  }, [error]);

  async function submit(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(data.get('email') ?? '');
    const password = String(data.get('password') ?? '');
    setError(null);
    const result =
      mode === 'login'
        ? await doLogin({ input: { email, password } })
        : await doRegister({ input: { email, password, username: String(data.get('username') ?? '') } });
    const payload = result.data && ('login' in result.data ? result.data.login : result.data.register);
    if (payload) onSignedIn(payload);
    else setError({ text: describeError(result.error), field: errorInfo(result.error).field });
  }

  const invalid = (field: string) => (error?.field === field ? { 'aria-invalid': true, 'aria-describedby': 'auth-error' } : {});

  return (
    <main class="auth">
      <h1>Chat</h1>
      <div class="auth-tabs" role="group" aria-label="Account">
        <button type="button" aria-pressed={mode === 'login'} onClick={() => setMode('login')}>
          Log in
        </button>
        <button type="button" aria-pressed={mode === 'register'} onClick={() => setMode('register')}>
          Register
        </button>
      </div>
      <form ref={form} onSubmit={submit} aria-label={mode === 'login' ? 'Log in' : 'Register'} class="auth-form">
        <label>
          Email
          <input name="email" type="email" autocomplete="email" required {...invalid('email')} />
        </label>
        {mode === 'register' && (
          <label>
            Username
            <input name="username" autocomplete="username" required minLength={3} maxLength={32} {...invalid('username')} />
          </label>
        )}
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 8 : undefined}
            {...invalid('password')}
          />
        </label>
        {error && (
          <p id="auth-error" role="alert" class="error">
            {error.text}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {mode === 'login' ? 'Log in' : 'Create account'}
        </button>
      </form>
    </main>
  );
}
