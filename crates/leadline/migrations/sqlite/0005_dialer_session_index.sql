-- The lead a rep's session holds right now (at most one): found without reading the
-- session's finished calls.
CREATE INDEX calls_session_offered ON calls(session_id) WHERE state = 'offered';
