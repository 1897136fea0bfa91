// Marks a user object as the requester's own where the request has no viewer yet (the user of
// register and login payloads), so that fields shown only to oneself, like email, are shown.
const own = new WeakSet<object>();

export const asOwnUser = <T extends object>(user: T): T => (own.add(user), user);
export const isOwnUser = (user: object): boolean => own.has(user);
