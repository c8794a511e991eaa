-- 0006: the Overview charts count events by time (GET /api/v1/stats/volume).
CREATE INDEX events_by_time ON events(at);
