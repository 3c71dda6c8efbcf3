-- +goose Up
-- Ballots the platform refused while voting was open, by election and
-- reason (the cast API's error code); their total goes on the ledger in
-- the participants entry when voting closes.
CREATE TABLE rejected_ballots (
	election TEXT NOT NULL,
	reason TEXT NOT NULL,
	count BIGINT NOT NULL,
	PRIMARY KEY (election, reason)
);
