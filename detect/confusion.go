package detect

// Confusion is the quality of "score ≥ Threshold" as a binary classifier of
// wash labels: the confusion counts and the rates they give. It is the one
// classification type of bench (which adds the ranking areas) and calibrate.
// Count rows with Add, then call Finish.
type Confusion struct {
	Threshold float64 `json:"threshold"`
	Positives int     `json:"positives"` // rows labeled positive (wash)
	Negatives int     `json:"negatives"` // rows labeled negative (organic)
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	TN        int     `json:"tn"`
	// Precision = TP/(TP+FP), 0 when nothing is predicted positive.
	Precision float64 `json:"precision"`
	// Recall = TP/(TP+FN), 0 when there are no positives.
	Recall float64 `json:"recall"`
	// F1 = 2·P·R/(P+R), 0 when P+R = 0.
	F1 float64 `json:"f1"`
}

// Add counts one row of score labeled wash (true) or organic.
func (c *Confusion) Add(score float64, wash bool) {
	pos := score >= c.Threshold
	switch {
	case wash && pos:
		c.TP++
	case wash:
		c.FN++
	case pos:
		c.FP++
	default:
		c.TN++
	}
}

// Finish sets the totals and rates from the counts.
func (c *Confusion) Finish() {
	c.Positives = c.TP + c.FN
	c.Negatives = c.FP + c.TN
	c.Precision = ratio(c.TP, c.TP+c.FP)
	c.Recall = ratio(c.TP, c.TP+c.FN)
	c.F1 = 0
	if c.Precision+c.Recall > 0 {
		c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
