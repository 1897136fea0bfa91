// What the UI says about the live connection. "online" means the socket is acknowledged and the
// inbox is subscribed again; anything between a drop and that is "reconnecting".
export type ConnectionState = 'connecting' | 'online' | 'reconnecting';
