-- File sharing: uploads, and the messages they are attached to.

-- CreateEnum
CREATE TYPE "upload_status" AS ENUM ('PENDING', 'READY', 'REFUSED', 'ATTACHED');

-- CreateTable
CREATE TABLE "uploads" (
    "id" UUID NOT NULL,
    "uploader_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "file_name" TEXT NOT NULL,
    "declared_type" TEXT NOT NULL,
    "declared_size" INTEGER NOT NULL,
    "status" "upload_status" NOT NULL DEFAULT 'PENDING',
    "refusal" TEXT,
    "content_type" TEXT,
    "size" INTEGER,
    "width" INTEGER,
    "height" INTEGER,
    "message_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "uploads_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "uploads_message_id_idx" ON "uploads"("message_id");

-- CreateIndex
-- The retention sweep walks unattached uploads by age.
CREATE INDEX "uploads_status_created_at_idx" ON "uploads"("status", "created_at");

-- AddForeignKey
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_uploader_id_fkey" FOREIGN KEY ("uploader_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
-- Deferred: the worker attaches uploads before the same transaction inserts their message.
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;
