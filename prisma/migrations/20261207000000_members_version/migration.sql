-- A version of each conversation's member list: every statement that adds, removes or moves members
-- bumps it, whatever code runs it. The worker keeps member lists between commits and rereads one
-- only when its version moved, instead of reading every member of a group for every batch.
ALTER TABLE "conversations" ADD COLUMN "members_version" INTEGER NOT NULL DEFAULT 0;

CREATE FUNCTION "bump_members_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "conversations" SET "members_version" = "members_version" + 1
   WHERE "id" IN (SELECT DISTINCT "conversation_id" FROM "changed");
  RETURN NULL;
END $$;

-- Once per statement (not per row): creating a group of 5,000 bumps its version once.
CREATE TRIGGER "conversation_members_added" AFTER INSERT ON "conversation_members"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "bump_members_version"();
CREATE TRIGGER "conversation_members_removed" AFTER DELETE ON "conversation_members"
  REFERENCING OLD TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "bump_members_version"();

CREATE FUNCTION "bump_members_version_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "conversations" SET "members_version" = "members_version" + 1 WHERE "id" IN (OLD."conversation_id", NEW."conversation_id");
  RETURN NULL;
END $$;

-- Nothing moves a member today; if anything ever does, both lists change.
CREATE TRIGGER "conversation_members_moved" AFTER UPDATE OF "conversation_id", "user_id" ON "conversation_members"
  FOR EACH ROW EXECUTE FUNCTION "bump_members_version_moved"();
