-- Lists filtered by owner or status and sorted by name or last change.
CREATE INDEX leads_org_owner_name ON leads(org_id, owner_id, name_key, id);
CREATE INDEX leads_org_owner_updated ON leads(org_id, owner_id, updated_at, id);
CREATE INDEX leads_org_status_name ON leads(org_id, status, name_key, id);
