-- +goose Up
CREATE TABLE application_counters (
	election TEXT PRIMARY KEY,
	last BIGINT NOT NULL
);
INSERT INTO application_counters (election, last) SELECT election, count(*) FROM applications GROUP BY election;
