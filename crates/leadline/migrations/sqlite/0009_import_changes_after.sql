-- A record as the import left it, beside how it was before: undo restores each field
-- nobody has changed since and keeps the ones edited after the import.
ALTER TABLE import_changes ADD COLUMN after TEXT;
