package dexchurn

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/features"
)

func addr(s string) string { return fmt.Sprintf("0x%040x", []byte(s)) }

// TestRules checks both Chainalysis rules: a funder's five wallets each
// churning three times are flagged; a market maker doing the same but
// funded by an exchange (fan-out above max_fanout) is not, nor a wallet of
// the cluster with two round trips, nor round trips 2% apart or 30 blocks
// long.
func TestRules(t *testing.T) {
	var b strings.Builder
	b.WriteString("block_time,block_number,tx_hash,contract,token_id,token_standard,seller,buyer,amount,price,price_usd\n")
	tx := 0
	row := func(blk int, seller, buyer string, usd float64) {
		tx++
		fmt.Fprintf(&b, "%d,%d,0x%064x,%s,,erc20,%s,%s,10,1,%g\n", 1656547200+blk*12, 15000000+blk, tx, addr("token"), addr(seller), addr(buyer), usd)
	}
	var funders strings.Builder
	funders.WriteString("wallet,funder\n")
	fund := func(w, f string) { fmt.Fprintf(&funders, "%s,%s\n", addr(w), addr(f)) }
	blk := 0
	churn := func(w string, trips, gap int, drift float64) {
		for k := 0; k < trips; k++ {
			row(blk, "pool", w, 100)
			row(blk+gap, w, "pool", 100*(1+drift))
			blk += 100
		}
	}
	for i := 0; i < 5; i++ {
		w := fmt.Sprint("c", i)
		fund(w, "disperser")
		churn(w, 3, 5, 0.002)
	}
	fund("c5", "disperser")
	churn("c5", 2, 5, 0) // too few round trips
	fund("c6", "disperser")
	churn("c6", 3, 5, 0.02) // 2% apart
	fund("c7", "disperser")
	churn("c7", 3, 30, 0) // 30 blocks
	fund("mm", "exchange")
	for i := 0; i < 60; i++ {
		fund(fmt.Sprint("x", i), "exchange")
		row(blk, "pool", fmt.Sprint("x", i), 5)
		blk++
	}
	churn("mm", 10, 1, 0)
	dir := t.TempDir()
	tp, fp := filepath.Join(dir, "t.csv"), filepath.Join(dir, "f.csv")
	os.WriteFile(tp, []byte(b.String()), 0o644)
	os.WriteFile(fp, []byte(funders.String()), 0o644)
	tr, err := datasets.Load([]string{tp}, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fu, err := datasets.LoadFunders(fp, tr)
	if err != nil {
		t.Fatal(err)
	}
	res, err := detect.Run(context.Background(), &detect.Input{Features: features.Compute(tr), Funders: fu}, []*detect.Detector{Detector}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs := res.Findings[Detector.Name]
	if len(fs) != 30 {
		t.Fatalf("%d findings, want 30 (5 wallets × 3 round trips × 2 legs)", len(fs))
	}
	for _, f := range fs {
		who := tr.Addrs.String(tr.Seller[f.Row]) + tr.Addrs.String(tr.Buyer[f.Row])
		ok := false
		for i := 0; i < 5; i++ {
			ok = ok || strings.Contains(who, addr(fmt.Sprint("c", i)))
		}
		if !ok || !strings.Contains(f.Evidence, "back 3 times within 25 blocks at <1% apart; its funder "+addr("disperser")) {
			t.Errorf("finding %+v", f)
		}
	}
	// Without a funders table rule 2 cannot hold.
	res, _ = detect.Run(context.Background(), &detect.Input{Features: features.Compute(tr)}, []*detect.Detector{Detector}, nil)
	if n := len(res.Findings[Detector.Name]); n != 0 {
		t.Errorf("%d findings without funders", n)
	}
}

// TestWindow: round trips and the funder's wallets count only within
// window of a round trip. Five wallets of one funder each churn on days 0,
// 5 and 10: with window 7d only the day-5 trips see three round trips.
func TestWindow(t *testing.T) {
	var b strings.Builder
	b.WriteString("block_time,tx_hash,contract,token_id,token_standard,seller,buyer,amount,price\n")
	var funders strings.Builder
	funders.WriteString("wallet,funder\n")
	tx := 0
	for i := 0; i < 5; i++ {
		w := addr(fmt.Sprint("c", i))
		fmt.Fprintf(&funders, "%s,%s\n", w, addr("disperser"))
		for _, day := range []int{0, 5, 10} {
			at := 1656547200 + day*86400 + i*600
			tx++
			fmt.Fprintf(&b, "%d,0x%064x,%s,,erc20,%s,%s,10,1\n", at, tx, addr("token"), addr("pool"), w)
			tx++
			fmt.Fprintf(&b, "%d,0x%064x,%s,,erc20,%s,%s,10,1\n", at+60, tx, addr("token"), w, addr("pool"))
		}
	}
	dir := t.TempDir()
	tp, fp := filepath.Join(dir, "t.csv"), filepath.Join(dir, "f.csv")
	os.WriteFile(tp, []byte(b.String()), 0o644)
	os.WriteFile(fp, []byte(funders.String()), 0o644)
	tr, err := datasets.Load([]string{tp}, datasets.LoadOptions{Funders: fp})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		window string
		want   int
	}{{"7d", 5 * 2}, {"11d", 5 * 3 * 2}, {"4d", 0}} {
		p := detect.NewParams()
		p.Set("dex_churn.window", c.window)
		res, err := detect.Run(context.Background(), &detect.Input{Features: features.Compute(tr), Funders: tr.Funders}, []*detect.Detector{Detector}, p)
		if err != nil {
			t.Fatal(err)
		}
		fs := res.Findings[Detector.Name]
		if len(fs) != c.want {
			t.Errorf("window %s: %d findings, want %d", c.window, len(fs), c.want)
		}
		for _, f := range fs {
			sec, _ := detect.ParseDuration(c.window)
			if !strings.Contains(f.Evidence, "(within "+graph.Human(sec)+")") {
				t.Errorf("window %s: evidence %q", c.window, f.Evidence)
			}
		}
	}
}
