-- +goose Up
CREATE TABLE nominators (
	election TEXT NOT NULL,
	account TEXT NOT NULL,
	role TEXT NOT NULL,
	name TEXT NOT NULL,
	PRIMARY KEY (election, account)
);
CREATE TABLE observers (
	id TEXT PRIMARY KEY,
	election TEXT NOT NULL,
	account TEXT NOT NULL,
	nominator TEXT NOT NULL,
	status TEXT NOT NULL,
	created BIGINT NOT NULL,
	decided BIGINT NOT NULL,
	UNIQUE (election, account)
);
