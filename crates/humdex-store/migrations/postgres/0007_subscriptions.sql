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
    paused BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX subscriptions_by_owner ON subscriptions (owner, id);

-- Readers resume after the last id they saw: an identity never hands out an id twice, and the
-- writer's advisory lock makes ids commit in order. reasons is JSON; delivered (0 or 1)
-- concerns webhooks only.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    owner TEXT NOT NULL,
    record_id TEXT NOT NULL REFERENCES records (id),
    version BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    delivered BIGINT NOT NULL DEFAULT 0,
    UNIQUE (subscription_id, record_id, version)
);
CREATE INDEX notifications_by_owner ON notifications (owner, id);
CREATE INDEX notifications_by_subscription ON notifications (subscription_id, id);
CREATE INDEX notifications_undelivered ON notifications (subscription_id, id) WHERE delivered = 0;
