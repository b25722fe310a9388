-- Contacts who said "do not call" are few: a campaign finds their leads without reading
-- every contact of the organization.
CREATE INDEX contacts_do_not_call ON contacts(org_id, lead_id) WHERE do_not_call;
