-- Conversation lists, groups with roles, read state, and the per-user event log.
--
-- Every durable event (a message, a membership or title change, a read-state change) has a
-- position: one number, dense and in commit order across the whole database. Transactions take
-- their positions from the single row of event_clock with UPDATE ... RETURNING, whose row lock is
-- held until commit; so once position N is visible, every position below it is visible too, and a
-- client's cursor is one number.

-- CreateEnum
CREATE TYPE "member_role" AS ENUM ('ADMIN', 'MEMBER');

-- CreateEnum
CREATE TYPE "conversation_event_kind" AS ENUM ('CREATED', 'MEMBERS_ADDED', 'MEMBER_REMOVED', 'MEMBER_LEFT', 'RENAMED', 'ROLE_CHANGED');

-- CreateTable
CREATE TABLE "event_clock" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "last_pos" BIGINT NOT NULL,

    CONSTRAINT "event_clock_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "event_clock_one_row" CHECK ("id" = 1)
);

-- AlterTable
ALTER TABLE "messages" ADD COLUMN "pos" BIGINT;
-- Positions for the messages stored so far, in the order they were stored.
WITH ordered AS (SELECT "id", row_number() OVER (ORDER BY "created_at", "conversation_id", "seq") AS "pos" FROM "messages")
UPDATE "messages" m SET "pos" = o."pos" FROM ordered o WHERE m."id" = o."id";
ALTER TABLE "messages" ALTER COLUMN "pos" SET NOT NULL;
INSERT INTO "event_clock" ("id", "last_pos") SELECT 1, coalesce(max("pos"), 0) FROM "messages";

-- AlterTable
ALTER TABLE "conversations" ADD COLUMN "last_message_id" UUID,
ADD COLUMN "last_activity_at" TIMESTAMPTZ(3),
ADD COLUMN "member_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "last_event_pos" BIGINT NOT NULL DEFAULT 0;
UPDATE "conversations" c SET
    "last_message_id" = (SELECT m."id" FROM "messages" m WHERE m."conversation_id" = c."id" ORDER BY m."seq" DESC LIMIT 1),
    "last_activity_at" = coalesce((SELECT max(m."created_at") FROM "messages" m WHERE m."conversation_id" = c."id"), c."created_at"),
    "last_event_pos" = coalesce((SELECT max(m."pos") FROM "messages" m WHERE m."conversation_id" = c."id"), 0),
    "member_count" = (SELECT count(*) FROM "conversation_members" cm WHERE cm."conversation_id" = c."id");
ALTER TABLE "conversations" ALTER COLUMN "last_activity_at" SET NOT NULL,
ALTER COLUMN "last_activity_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "conversation_members" ADD COLUMN "role" "member_role" NOT NULL DEFAULT 'MEMBER',
ADD COLUMN "last_read_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "read_pos" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN "joined_pos" BIGINT NOT NULL DEFAULT 0;
-- What existed before read state counts as read: no badge storm after the upgrade.
UPDATE "conversation_members" cm SET "last_read_seq" = c."last_seq" FROM "conversations" c WHERE c."id" = cm."conversation_id";
-- Groups made before roles: their longest-standing member becomes their admin.
UPDATE "conversation_members" cm SET "role" = 'ADMIN'
 WHERE ("conversation_id", "user_id") IN (
    SELECT DISTINCT ON (x."conversation_id") x."conversation_id", x."user_id"
      FROM "conversation_members" x JOIN "conversations" c ON c."id" = x."conversation_id"
     WHERE c."kind" = 'GROUP'
     ORDER BY x."conversation_id", x."joined_at", x."user_id");

-- CreateTable
CREATE TABLE "conversation_events" (
    "pos" BIGINT NOT NULL,
    "conversation_id" UUID NOT NULL,
    "kind" "conversation_event_kind" NOT NULL,
    "actor_id" UUID,
    "user_ids" UUID[] NOT NULL DEFAULT ARRAY[]::UUID[],
    "title" TEXT,
    "role" "member_role",
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conversation_events_pkey" PRIMARY KEY ("pos")
);

-- CreateTable
CREATE TABLE "membership_history" (
    "user_id" UUID NOT NULL,
    "left_pos" BIGINT NOT NULL,
    "conversation_id" UUID NOT NULL,
    "joined_pos" BIGINT NOT NULL,

    CONSTRAINT "membership_history_pkey" PRIMARY KEY ("user_id","left_pos")
);

-- CreateIndex
-- searchUsers: a case-insensitive prefix is a LIKE 'prefix%' on username_key, which needs pattern ops.
CREATE INDEX "users_username_key_prefix_idx" ON "users"("username_key" text_pattern_ops);

-- CreateIndex
CREATE INDEX "messages_conversation_id_pos_idx" ON "messages"("conversation_id", "pos");

-- CreateIndex
CREATE INDEX "conversation_members_conversation_id_read_pos_idx" ON "conversation_members"("conversation_id", "read_pos");

-- CreateIndex
CREATE INDEX "conversation_events_conversation_id_pos_idx" ON "conversation_events"("conversation_id", "pos");

-- CreateIndex
CREATE INDEX "membership_history_conversation_id_idx" ON "membership_history"("conversation_id");

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_last_message_id_fkey" FOREIGN KEY ("last_message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_events" ADD CONSTRAINT "conversation_events_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_events" ADD CONSTRAINT "conversation_events_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "membership_history" ADD CONSTRAINT "membership_history_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "membership_history" ADD CONSTRAINT "membership_history_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
