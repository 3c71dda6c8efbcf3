-- +goose Up
CREATE TABLE outbox (
	id TEXT PRIMARY KEY,
	event TEXT NOT NULL UNIQUE,
	channel TEXT NOT NULL,
	recipient TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	created BIGINT NOT NULL,
	attempts BIGINT NOT NULL,
	next_at BIGINT NOT NULL,
	sent_at BIGINT NOT NULL,
	failed BIGINT NOT NULL,
	last_error TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (sent_at, failed, next_at);
