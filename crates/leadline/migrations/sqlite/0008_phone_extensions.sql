-- A number's extension ("x12"), dialled once the call connects.
ALTER TABLE contact_phones ADD COLUMN extension TEXT;
