// Users the viewer is known to share a conversation with, without a query: a message's sender, a
// member listed in a conversation the viewer sees, a typist. Presence is shown only for them (or
// after a check): an object shared by all the recipients of one event is valid for each of them.
const shared = new WeakSet<object>();

export const markSharesConversation = <T extends object>(user: T): T => (shared.add(user), user);
export const knownToShareConversation = (user: object): boolean => shared.has(user);
