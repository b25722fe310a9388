-- When an import began writing: one import of a kind writes into an organization at a
-- time (see engine::wait_for_earlier); NULL while it waits, and again when resumed.
ALTER TABLE imports ADD COLUMN admitted_at TIMESTAMPTZ;
