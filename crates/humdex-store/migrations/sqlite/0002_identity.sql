-- Identity: account state, the TOTP second factor, API tokens and failed sign-ins.

-- version counts the changes to a user the journal names them in; disabled is 0 or 1.
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
-- The TOTP secret (base32) once confirmed, and the one being enrolled until then.
ALTER TABLE users ADD COLUMN mfa_secret TEXT;
ALTER TABLE users ADD COLUMN mfa_pending_secret TEXT;
-- The last TOTP time step accepted, so that no code is accepted twice.
ALTER TABLE users ADD COLUMN mfa_last_step INTEGER;

-- One-time recovery codes, as SHA-256 hex; a used code is deleted.
CREATE TABLE recovery_codes (
    username TEXT NOT NULL REFERENCES users (username),
    code_hash TEXT NOT NULL,
    PRIMARY KEY (username, code_hash)
);

-- Sign-ins waiting for their second factor, by the SHA-256 hex of the challenge; single use.
CREATE TABLE mfa_challenges (
    challenge_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users (username),
    expires_ms INTEGER NOT NULL
);

-- The roles whose users must use a second factor.
CREATE TABLE mfa_required_roles (
    role TEXT PRIMARY KEY
);

-- A failed sign-in, once under the account (the SHA-256 hex of the name as typed, known or not)
-- and once under the client address.
CREATE TABLE login_failures (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (scope, key, at_ms);
CREATE INDEX login_failures_by_time ON login_failures (at_ms);

-- API tokens for machines, by the SHA-256 hex of the token; scopes is a JSON array of names.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL REFERENCES users (username),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (username);
