-- Usernames are unique regardless of case: "Alice" and "alice" would be the same person to a reader.
-- AlterTable
ALTER TABLE "users" ADD COLUMN "username_key" TEXT;
UPDATE "users" SET "username_key" = lower("username");
ALTER TABLE "users" ALTER COLUMN "username_key" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key_key" ON "users"("username_key");
