-- While an undo waits for an import writing into the organization: when it last said so.
ALTER TABLE imports ADD COLUMN undo_waiting_at TIMESTAMPTZ;
