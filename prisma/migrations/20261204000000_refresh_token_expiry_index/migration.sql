-- Expired refresh tokens are deleted in batches along this index (refresh-token-retention.ts), so
-- the table holds only the tokens issued within one refresh lifetime.
-- CreateIndex
CREATE INDEX "refresh_tokens_expires_at_idx" ON "refresh_tokens"("expires_at");
