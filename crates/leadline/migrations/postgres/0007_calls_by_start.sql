-- Reports count a call on the day it happened: a call logged after the fact is found by
-- its start, not by when it was recorded.
CREATE INDEX calls_org_started ON calls(org_id, started_at);
