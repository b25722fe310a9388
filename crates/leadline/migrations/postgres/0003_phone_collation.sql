-- Phone digits are compared as bytes: prefix ranges like '2065' <= x < '2065:' must not
-- depend on the database's locale (where punctuation may be ignored).
DROP INDEX contact_phones_digits;
DROP INDEX contact_phones_national;
DROP INDEX contact_phones_reversed;
ALTER TABLE contact_phones
    ALTER COLUMN digits TYPE TEXT COLLATE "C",
    ALTER COLUMN national TYPE TEXT COLLATE "C",
    ALTER COLUMN national_reversed TYPE TEXT COLLATE "C";
CREATE INDEX contact_phones_digits ON contact_phones(org_id, digits);
CREATE INDEX contact_phones_national ON contact_phones(org_id, national);
CREATE INDEX contact_phones_reversed ON contact_phones(org_id, national_reversed);
