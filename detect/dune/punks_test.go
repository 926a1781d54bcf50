package dune

import (
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/washscan/washscan/detect"
	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

// TestCryptoPunksExcerpt checks filters 1–3 on every sale of 11 real punks.
// The expected figures come from the spellbook SQL run over the full file
// (151 flagged rows of 13,981 with a known buyer, 62 punks); on this excerpt
// they are 29 flagged rows of 74 with a known buyer, on 7 punks.
func TestCryptoPunksExcerpt(t *testing.T) {
	f, err := os.Open("testdata/cryptopunks_excerpt.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var rows []tt.Row
	for _, r := range recs[1:] {
		day, err := time.Parse("01/02/06", r[col["day"]])
		if err != nil {
			t.Fatal(err)
		}
		price, _ := strconv.ParseFloat(r[col["eth_price"]], 64)
		rows = append(rows, tt.Row{
			Day:      float64(day.Unix()-tt.T0) / tt.Day,
			Tx:       r[col["transaction_hash"]],
			Contract: "0xb47e3cd837ddf8e4c57f05d70ab865de6e193bbb",
			Token:    r[col["token_id"]],
			Seller:   strings.ToLower(r[col["seller_address"]]),
			Buyer:    strings.ToLower(r[col["buyer_address"]]),
			Price:    price,
		})
	}
	tr := tt.Build(rows)
	in := tt.Input(tr, nil)
	flagged := map[int32]bool{}
	for _, d := range []*detect.Detector{SelfTrade, BackAndForth, Repeat} {
		for r := range tt.Run(t, in, d, nil) {
			flagged[r] = true
		}
	}
	knownBuyer, n := 0, 0
	punks := map[uint32]bool{}
	for i := range rows {
		if in.Features.Buyer[i] == 0 {
			continue
		}
		knownBuyer++
		if flagged[int32(i)] {
			n++
			punks[tr.Asset[i]] = true
		}
	}
	if knownBuyer != 74 || n != 29 || len(punks) != 7 {
		t.Errorf("known-buyer rows %d, flagged %d on %d punks; want 74, 29 on 7", knownBuyer, n, len(punks))
	}
}
