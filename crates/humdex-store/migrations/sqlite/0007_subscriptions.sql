-- Subscriptions: queries users keep, and the notifications of the record versions that matched.
-- channel is `ui` or `webhook`; webhook_secret (hex) signs what is posted to webhook_url;
-- paused is 0 or 1.
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES users (username),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    channel TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX subscriptions_by_owner ON subscriptions (owner, id);

-- AUTOINCREMENT so that ids freed by deleting a subscription's notifications are never handed
-- out again: readers resume after the last id they saw. reasons is JSON; delivered (0 or 1)
-- concerns webhooks only.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    owner TEXT NOT NULL,
    record_id TEXT NOT NULL REFERENCES records (id),
    version INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    UNIQUE (subscription_id, record_id, version)
);
CREATE INDEX notifications_by_owner ON notifications (owner, id);
CREATE INDEX notifications_by_subscription ON notifications (subscription_id, id);
CREATE INDEX notifications_undelivered ON notifications (subscription_id, id) WHERE delivered = 0;
