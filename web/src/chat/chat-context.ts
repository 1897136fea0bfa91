// What every part of the logged-in app reaches: the urql client, the store, the session, and the
// socket (for its state). Provided once by ChatApp.
import type { Client } from '@urql/core';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api/session';
import type { Socket } from './api/socket';
import type { ChatState } from './state/chat-state';
import { useStore, type Store } from './state/store';

export type Chat = { client: Client; store: Store<ChatState>; session: Session; socket: Socket };

export const ChatContext = createContext<Chat | null>(null);

export function useChat(): Chat {
  const chat = useContext(ChatContext);
  if (!chat) throw new Error('useChat outside ChatApp');
  return chat;
}

export function useChatState<S>(select: (state: ChatState) => S): S {
  return useStore(useChat().store, select);
}
