import type { Pool } from 'pg';
import type { EventPublisher } from '../events/publish-events.js';

/** What the use cases that change conversations need. */
export type ConversationDeps = {
  pool: Pool;
  publish: EventPublisher;
  /** Members per group, the creator included (GROUP_MAX_MEMBERS). */
  maxMembers: number;
};
