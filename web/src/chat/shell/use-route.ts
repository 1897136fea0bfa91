// The open conversation lives in the URL hash (#/c/<id>): a reload reopens it, and the browser's
// back button returns to the list on a narrow screen.
import { useEffect, useState } from 'preact/hooks';

const parse = () => /^#\/c\/(.+)$/.exec(window.location.hash)?.[1] ?? null;

export function useOpenConversation(): [string | null, (id: string | null) => void] {
  const [id, setId] = useState(parse);
  useEffect(() => {
    const onChange = () => setId(parse());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const open = (next: string | null) => {
    window.location.hash = next ? `#/c/${next}` : '#/';
    setId(next);
  };
  return [id, open];
}
