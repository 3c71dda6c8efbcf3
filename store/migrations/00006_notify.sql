-- +goose Up
-- The notification events an election's voters are told of: '*' for all,
-- otherwise a comma-separated list (empty: none).
ALTER TABLE elections ADD COLUMN notify TEXT NOT NULL DEFAULT '*';
