-- Columns of a products or deals file that no field claims are kept, as on leads.
ALTER TABLE products ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE opportunities ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
