/** Context fields that are the same for every operation: reading them does not tie a result to one. */
const SHARED_FIELDS = new Set<PropertyKey>(['services', 'db']);

/**
 * The operation's context, seen through a proxy that notes whether anything but its shared fields
 * was read (the viewer, the socket, the client's origin...): a result that read none of them is the
 * same for every operation with the same document, variables and event, and can be shared.
 * Symbol keys (libraries' own caches) do not count.
 */
export function readsPerOperationContext<C extends object>(context: C): { context: C; read(): boolean } {
  let read = false;
  const proxy = new Proxy(context, {
    get(target, key) {
      if (!read && typeof key === 'string' && !SHARED_FIELDS.has(key)) read = true;
      return Reflect.get(target, key) as unknown;
    },
    has(target, key) {
      if (!read && typeof key === 'string' && !SHARED_FIELDS.has(key)) read = true;
      return Reflect.has(target, key);
    },
  });
  return { context: proxy, read: () => read };
}
