// A minimal observable store: one immutable state object, replaced by pure updates. Components
// read slices with useStore and re-render only when their slice changes (Object.is).
import { useEffect, useRef, useState } from 'preact/hooks';

export type Store<T> = {
  get(): T;
  update(change: (state: T) => T): void;
  subscribe(listener: () => void): () => void;
};

export function createStore<T>(initial: T): Store<T> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    update(change) {
      const next = change(state);
      if (next === state) return;
      state = next;
      listeners.forEach((listener) => listener());
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStore<T, S>(store: Store<T>, select: (state: T) => S): S {
  const [, rerender] = useState(0);
  const selected = select(store.get());
  const last = useRef(selected);
  last.current = selected;
  const selectRef = useRef(select);
  selectRef.current = select;
  useEffect(
    () =>
      store.subscribe(() => {
        if (!Object.is(selectRef.current(store.get()), last.current)) rerender((n) => n + 1);
      }),
    [store],
  );
  return selected;
}
