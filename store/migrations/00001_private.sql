-- +goose Up
CREATE TABLE accounts (
	id TEXT PRIMARY KEY,
	full_name TEXT NOT NULL,
	birth_date TEXT NOT NULL,
	document TEXT NOT NULL,
	snils TEXT NOT NULL,
	phone TEXT NOT NULL UNIQUE,
	email TEXT NOT NULL UNIQUE,
	address TEXT NOT NULL,
	password TEXT NOT NULL,
	status TEXT NOT NULL,
	verified_by TEXT NOT NULL,
	external TEXT UNIQUE,
	created BIGINT NOT NULL
);
CREATE TABLE login_failures (
	account TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE INDEX login_failures_account ON login_failures (account, at);
CREATE TABLE challenges (
	id TEXT PRIMARY KEY,
	account TEXT NOT NULL,
	code_mac TEXT NOT NULL,
	expires BIGINT NOT NULL,
	attempts BIGINT NOT NULL,
	used BIGINT NOT NULL
);
CREATE TABLE register (
	snils TEXT PRIMARY KEY,
	full_name TEXT NOT NULL,
	birth_date TEXT NOT NULL,
	document TEXT NOT NULL,
	address TEXT NOT NULL,
	region TEXT NOT NULL,
	district TEXT NOT NULL
);
CREATE INDEX register_document ON register (document);
CREATE TABLE elections (
	id TEXT PRIMARY KEY,
	title_ru TEXT NOT NULL,
	title_en TEXT NOT NULL,
	level TEXT NOT NULL,
	districts TEXT NOT NULL,
	applications_close BIGINT NOT NULL,
	training BIGINT NOT NULL
);
CREATE TABLE applications (
	election TEXT NOT NULL,
	account TEXT NOT NULL,
	number TEXT NOT NULL,
	district TEXT NOT NULL,
	status TEXT NOT NULL,
	created BIGINT NOT NULL,
	PRIMARY KEY (election, account),
	UNIQUE (election, number)
);
CREATE TABLE issued (
	election TEXT NOT NULL,
	account TEXT NOT NULL,
	at BIGINT NOT NULL,
	PRIMARY KEY (election, account)
);
CREATE TABLE audit (
	at BIGINT NOT NULL,
	ip TEXT NOT NULL,
	account TEXT NOT NULL,
	kind TEXT NOT NULL,
	detail TEXT NOT NULL
);
CREATE INDEX audit_account ON audit (account, at);
CREATE TABLE sessions (
	token TEXT PRIMARY KEY,
	data BYTEA NOT NULL,
	expiry BIGINT NOT NULL
);
