package metrics

import "fmt"

// MoveAsOf moves the as_of of a Partial of the window "all" to asOf, for a
// Partial kept between runs (analyze --state): its Report then equals that
// of a Partial made for asOf with the same rows added. Every row of p must
// be at or before asOf (the window "all" holds every row up to its as_of;
// MoveAsOf cannot check it). A Partial of a timed range cannot move: its
// windows would hold other rows.
func (p *Partial) MoveAsOf(asOf int64) error {
	if p.rng.Seconds > 0 {
		return fmt.Errorf("metrics: a partial of range %s cannot move its as_of", p.rng.Name)
	}
	p.asOf = asOf
	return nil
}
