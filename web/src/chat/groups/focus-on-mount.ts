// `autofocus` only acts when a page loads or a dialog opens; a confirmation that replaces the
// button just pressed must take the focus itself, or keyboard users are left on a removed element.
import { useEffect, useRef } from 'preact/hooks';

export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}
