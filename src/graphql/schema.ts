// The schema is whatever the modules register on the builder; importing them is all this does
// (and its subscription streams can be handed to the live delivery engine).
import { builder } from './builder.js';
import { captureSubscriptionStreams } from './live/stream-capture.js';
import '../modules/users/user.schema.js';
import '../modules/auth/auth.schema.js';
import '../modules/messages/message.schema.js';
import '../modules/conversations/conversation.schema.js';
import '../modules/events/inbox.schema.js';
import '../modules/typing/typing.schema.js';
import '../modules/presence/presence.schema.js';
import '../modules/files/file.schema.js';

export const schema = captureSubscriptionStreams(builder.toSchema({ sortSchema: false }));
