-- +goose Up
-- Roles granted by the operator: an organiser creates and fixes votes in
-- the console.
CREATE TABLE roles (
	account TEXT NOT NULL,
	role TEXT NOT NULL,
	granted_by TEXT NOT NULL,
	granted BIGINT NOT NULL,
	PRIMARY KEY (account, role)
);
-- The organiser's votes: a draft (its manifest-to-be and private settings
-- as JSON) edited under a version number until it is fixed on the ledger.
CREATE TABLE organiser_votes (
	id TEXT PRIMARY KEY,
	version BIGINT NOT NULL,
	state TEXT NOT NULL,
	body TEXT NOT NULL,
	created BIGINT NOT NULL,
	created_by TEXT NOT NULL,
	updated BIGINT NOT NULL,
	updated_by TEXT NOT NULL,
	fixed BIGINT NOT NULL
);
-- A vote's uploaded list of participants: normalised insurance numbers,
-- phones and e-mail addresses.
CREATE TABLE organiser_participants (
	vote TEXT NOT NULL,
	entry TEXT NOT NULL,
	PRIMARY KEY (vote, entry)
);
-- Accounts' registered signature keys ("<scheme> <base64>"), for votes
-- whose access rule requires one.
CREATE TABLE signature_keys (
	account TEXT PRIMARY KEY,
	key TEXT NOT NULL,
	registered BIGINT NOT NULL
);
