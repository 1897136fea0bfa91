// urql's fetch for queries and mutations: adds the Bearer header, and when the server says the
// token expired (extensions.reason TOKEN_EXPIRED: the clock moved past it, or the laptop slept
// through the proactive refresh) refreshes once and repeats the request with the new token.
import type { Session } from './session';

function withBearer(init: RequestInit | undefined, token: string): RequestInit {
  const headers = new Headers(init?.headers);
  headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}

async function saysTokenExpired(response: Response): Promise<boolean> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return false;
  try {
    const body = (await response.clone().json()) as { errors?: { extensions?: { reason?: string } }[] };
    return !!body.errors?.some((error) => error.extensions?.reason === 'TOKEN_EXPIRED');
  } catch {
    return false;
  }
}

export function createAuthFetch(session: Session): typeof fetch {
  return async (input, init) => {
    const token = await session.accessToken();
    const response = await fetch(input, withBearer(init, token));
    if (!(await saysTokenExpired(response))) return response;
    return fetch(input, withBearer(init, await session.refresh(token)));
  };
}
