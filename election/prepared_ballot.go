package election

import "github.com/urna-vote/urna/ballot"

// Ballot returns the decoded ballot of a prepared ballot entry, or nil if
// the entry is not a ballot or did not decode.
func (p *Prepared) Ballot() *ballot.Ballot { return p.ballot }

// Err returns the error the stateless checks found, or nil. An entry that
// failed them would be refused by ApplyPrepared with the same error.
func (p *Prepared) Err() error { return p.err }
