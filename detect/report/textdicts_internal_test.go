package report

import "testing"

// The Parquet writer hands a batch's evidence dictionaries back to the
// builder once the columns at colEvidence and colEvidenceJSON are written:
// those must be the evidence columns of both schemas.
func TestEvidenceColumnPositions(t *testing.T) {
	for _, dune := range []bool{false, true} {
		s := schemaFor(Options{Dune: dune})
		if g := s.Field(colEvidence).Name; g != "evidence" {
			t.Errorf("dune %v: column %d is %q, want evidence", dune, colEvidence, g)
		}
		if g := s.Field(colEvidenceJSON).Name; g != "evidence_json" {
			t.Errorf("dune %v: column %d is %q, want evidence_json", dune, colEvidenceJSON, g)
		}
	}
}
