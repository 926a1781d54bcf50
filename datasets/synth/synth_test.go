package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
)

func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	gen := func(name string, cfg Config) ([]byte, []byte) {
		tp, fp, _ := writeFiles(t, cfg, filepath.Join(dir), name)
		return readFile(t, tp), readFile(t, fp)
	}
	cfg := Config{Trades: 4000, Seed: 42}
	a, fa := gen("a.csv", cfg)
	b, fb := gen("b.csv", cfg)
	if !bytes.Equal(a, b) || !bytes.Equal(fa, fb) {
		t.Fatal("same seed gave different files")
	}
	cfg.Seed = 43
	c, fc := gen("c.csv", cfg)
	if bytes.Equal(a, c) || bytes.Equal(fa, fc) {
		t.Fatal("different seeds gave identical files")
	}
	// Parquet too.
	p1, _ := gen("a.parquet", Config{Trades: 3000, Seed: 5})
	p2, _ := gen("b.parquet", Config{Trades: 3000, Seed: 5})
	if !bytes.Equal(p1, p2) {
		t.Fatal("same seed gave different Parquet files")
	}
}

// TestLoadBack writes every format through datasets.CreateWriter and loads it
// back: every row must load, none rejected or duplicate, labels intact.
func TestLoadBack(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"m.csv", Config{Trades: 5000, Seed: 1}},
		{"m.csv.gz", Config{Trades: 2000, Seed: 2, WashShare: 0.15}},
		{"m.parquet", Config{Trades: 5000, Seed: 3}},
		{"m.jsonl", Config{Trades: 1000, Seed: 4, PolygonShare: 0.4, Collections: 5}},
		{"nowash.csv", Config{Trades: 1000, Seed: 5, WashShare: NoWash, ERC20: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, fp, st := writeFiles(t, tc.cfg, dir, tc.name)
			tr, err := datasets.Load([]string{tp}, datasets.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Stats.RowsRejected != 0 || tr.Stats.RowsDuplicate != 0 || tr.Stats.RowsLoaded != tc.cfg.Trades {
				t.Fatalf("load stats %+v, want %d loaded and none rejected or duplicate", tr.Stats, tc.cfg.Trades)
			}
			wash := int64(0)
			for _, l := range tr.Label {
				if l == datasets.LabelWash {
					wash++
				} else if l != datasets.LabelOrganic {
					t.Fatalf("row without a label")
				}
			}
			if wash != st.WashRows {
				t.Errorf("loaded %d wash rows, generator counted %d", wash, st.WashRows)
			}
			f, err := datasets.LoadFunders(fp, tr)
			if err != nil {
				t.Fatal(err)
			}
			// Every wallet that trades has a funder.
			missing := 0
			for i := range tr.Len() {
				for _, a := range []datasets.AddrID{tr.Seller[i], tr.Buyer[i]} {
					if !tr.Addrs.Unknown(a) && f.Of(a) == datasets.NoAddr && tr.Standard[i] != datasets.ERC20 {
						missing++
					}
				}
			}
			if missing > 0 {
				t.Errorf("%d NFT trade sides without a funder", missing)
			}
		})
	}
}

func TestWashShare(t *testing.T) {
	for _, share := range []float64{0.05, 0.08, 0.15} {
		t.Run(fmt.Sprint(share), func(t *testing.T) {
			_, st, _ := collect(t, Config{Trades: 20000, Seed: 9, WashShare: share})
			if got := st.WashShare(); got < share*0.8 || got > share*1.2 {
				t.Errorf("wash share %.4f, want %.3f ± 20%%", got, share)
			}
			for i, n := range st.Campaigns {
				if n == 0 {
					t.Errorf("no %s campaign in 20k rows", CampaignNames[i])
				}
			}
		})
	}
	_, st, _ := collect(t, Config{Trades: 5000, Seed: 9, WashShare: NoWash})
	if st.WashRows != 0 {
		t.Errorf("NoWash: %d wash rows", st.WashRows)
	}
}

type assetKey struct {
	contract datasets.Address
	token    string
}

func key(r *datasets.Row) assetKey { return assetKey{r.Contract, r.TokenID} }

// TestInvariants checks, row by row, the properties docs/contract.md §1.1 and §5 ask of a
// labeled market.
func TestInvariants(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			cfg := Config{Trades: 30000, Seed: seed, WashShare: 0.12}
			if testing.Short() {
				cfg.Trades = 8000
			}
			rows, st, _ := collect(t, cfg)
			checkInvariants(t, cfg, rows, st)
		})
	}
}

func checkInvariants(t *testing.T, cfg Config, rows []datasets.Row, st Stats) {
	t.Helper()
	cfg, _ = cfg.Normalize()
	salt := saltOf(cfg.Seed)
	pools := map[datasets.Address]bool{}
	for i := range cfg.ERC20 {
		pools[deriveAddress(salt, kindPool, uint64(i))] = true
	}
	type ident struct {
		tx  datasets.Hash
		log uint32
		k   assetKey
	}
	seen := map[ident]bool{}
	owner := map[assetKey]datasets.Address{}
	bal := map[assetKey]map[datasets.Address]int64{}
	perTx := map[datasets.Hash][]int{}
	var prevTime [2]int64
	var prevBlock [2]uint64
	for i := range rows {
		r := &rows[i]
		id := ident{r.TxHash, r.LogIndex, key(r)}
		if seen[id] {
			t.Fatalf("row %d: duplicate identity %v", i, id)
		}
		seen[id] = true
		perTx[r.TxHash] = append(perTx[r.TxHash], i)
		ch := 0
		secs := int64(ethBlockSeconds)
		if r.Chain == "polygon" {
			ch, secs = 1, polBlockSeconds
		}
		if r.BlockTime < prevTime[ch] {
			t.Fatalf("row %d: block_time goes back on %s", i, r.Chain)
		}
		prevTime[ch] = r.BlockTime
		if r.BlockNumber < prevBlock[ch] {
			t.Fatalf("row %d: block number goes back", i)
		}
		prevBlock[ch] = r.BlockNumber
		if (r.BlockTime-cfg.Start.Unix())%secs != 0 {
			t.Fatalf("row %d: block_time %d not on the %ds block grid", i, r.BlockTime, secs)
		}
		if r.Seller == r.Buyer && r.Label != datasets.LabelWash {
			t.Errorf("row %d: self trade labeled %v", i, r.Label)
		}
		if r.Standard == datasets.ERC20 {
			if r.TokenID != "" {
				t.Fatalf("row %d: erc20 with token id", i)
			}
			k := key(r)
			if bal[k] == nil {
				bal[k] = map[datasets.Address]int64{}
			}
			amt := hundredths(t, r.Amount)
			if !pools[r.Seller] {
				bal[k][r.Seller] -= amt
				if bal[k][r.Seller] < 0 {
					t.Fatalf("row %d: %s sells %s tokens it does not hold", i, r.Seller, r.Amount)
				}
			}
			if !pools[r.Buyer] {
				bal[k][r.Buyer] += amt
			}
			continue
		}
		if r.Amount != "1" || r.TokenID == "" {
			t.Fatalf("row %d: NFT row amount %q token %q", i, r.Amount, r.TokenID)
		}
		k := key(r)
		if cur, ok := owner[k]; ok && cur != r.Seller {
			t.Fatalf("row %d: %s sells token %s it does not own (owner %s)", i, r.Seller, r.TokenID, cur)
		}
		if r.Seller.IsZero() && (r.Label == datasets.LabelWash) {
			t.Fatalf("row %d: wash mint", i)
		}
		owner[k] = r.Buyer
	}
	// Same-transaction rows are A→B, B→A round trips, all wash.
	trips := 0
	for _, idx := range perTx {
		if len(idx) == 1 {
			continue
		}
		trips++
		a, b := &rows[idx[0]], &rows[idx[1]]
		if len(idx) != 2 || a.Seller != b.Buyer || a.Buyer != b.Seller || b.LogIndex != a.LogIndex+1 ||
			a.Label != datasets.LabelWash || b.Label != datasets.LabelWash || *a.TxFrom != a.Seller || *b.TxFrom != a.Seller {
			t.Errorf("transaction %s: %d rows, not a labeled A→B→A round trip", a.TxHash, len(idx))
		}
	}
	if st.Campaigns[campSameTx] > 0 && trips == 0 {
		t.Error("no same-transaction round trip found")
	}
	checkRuns(t, rows)
}

// checkRuns checks the boundaries of wash patterns on each NFT: the sale that
// brings a token into a run of wash rows comes from an outside seller and is
// organic, and so is the sale that takes it out to an outside buyer.
func checkRuns(t *testing.T, rows []datasets.Row) {
	t.Helper()
	byAsset := map[assetKey][]int{}
	for i := range rows {
		if rows[i].Standard != datasets.ERC20 {
			byAsset[key(&rows[i])] = append(byAsset[key(&rows[i])], i)
		}
	}
	var rings, inbound int
	for _, idx := range byAsset {
		for s := 0; s < len(idx); {
			if rows[idx[s]].Label != datasets.LabelWash {
				s++
				continue
			}
			e := s
			members := map[datasets.Address]bool{}
			for e < len(idx) && rows[idx[e]].Label == datasets.LabelWash {
				members[rows[idx[e]].Seller] = true
				members[rows[idx[e]].Buyer] = true
				e++
			}
			if s > 0 {
				in := &rows[idx[s-1]]
				if in.Label != datasets.LabelOrganic || members[in.Seller] && in.Seller != in.Buyer && !in.Seller.IsZero() && len(members) > 1 {
					t.Errorf("row %d: sale into a wash run from %s labeled %v (run members %d)", idx[s-1], in.Seller, in.Label, len(members))
				}
				if len(members) >= 3 {
					rings++
					if in.Label == datasets.LabelOrganic && !members[in.Seller] {
						inbound++
					}
				}
			}
			if e < len(idx) {
				out := &rows[idx[e]]
				if out.Label != datasets.LabelOrganic || members[out.Buyer] && len(members) > 1 {
					t.Errorf("row %d: sale out of a wash run to %s labeled %v", idx[e], out.Buyer, out.Label)
				}
			}
			s = e
		}
	}
	if rings == 0 || inbound == 0 {
		t.Errorf("found %d rings with %d organic inbound sales; want some", rings, inbound)
	}
}

func hundredths(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	var v int64
	if _, err := fmt.Sscan(whole, &v); err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	var f int64
	if frac != "" {
		if len(frac) != 2 {
			t.Fatalf("amount %q: want 2 decimals", s)
		}
		fmt.Sscan(frac, &f)
	}
	return v*100 + f
}

func TestFundingAndTraps(t *testing.T) {
	rows, st, funders := collect(t, Config{Trades: 40000, Seed: 11})
	r := csv.NewReader(bytes.NewReader(funders))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "wallet,funder,block_time" {
		t.Fatalf("header %q", got)
	}
	fanout := map[string]int{}
	wallets := map[string]bool{}
	for _, rec := range recs[1:] {
		if wallets[rec[0]] {
			t.Fatalf("wallet %s funded twice", rec[0])
		}
		wallets[rec[0]] = true
		fanout[rec[1]]++
		if _, err := time.Parse(time.RFC3339, rec[2]); err != nil {
			t.Fatalf("funder time %q: %v", rec[2], err)
		}
	}
	if int64(len(recs)-1) != st.FunderRows {
		t.Errorf("%d funder rows, Stats says %d", len(recs)-1, st.FunderRows)
	}
	top := 0
	for _, n := range fanout {
		top = max(top, n)
	}
	if top < 200 {
		t.Errorf("largest funder fan-out %d: want an exchange funding hundreds", top)
	}
	for i, n := range st.Funding {
		if n == 0 {
			t.Errorf("no wash group funded by %s", FundingNames[i])
		}
	}
	if st.BuybacksDone == 0 || st.RebuysDone == 0 || st.FriendTrades == 0 {
		t.Errorf("traps: %d buy-backs, %d rebuys, %d friend trades; want each", st.BuybacksDone, st.RebuysDone, st.FriendTrades)
	}
	// Buy-backs: some organic pair (A→B, later B→A) of the same token, months apart.
	type pairKey struct {
		k    assetKey
		a, b datasets.Address
	}
	last := map[pairKey]int64{}
	found := 0
	for i := range rows {
		r := &rows[i]
		if r.Label != datasets.LabelOrganic || r.Standard == datasets.ERC20 || r.Seller.IsZero() {
			continue
		}
		if t0, ok := last[pairKey{key(r), r.Buyer, r.Seller}]; ok && r.BlockTime-t0 >= 59*86400 {
			found++
		}
		last[pairKey{key(r), r.Seller, r.Buyer}] = r.BlockTime
	}
	if found == 0 {
		t.Error("no organic buy-back months apart")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "trades"},
		{Config{Trades: -5}, "trades"},
		{Config{Trades: 100, Days: -1}, "days"},
		{Config{Trades: 100, WashShare: 0.95}, "wash share"},
		{Config{Trades: 100, Wallets: 3}, "wallets"},
		{Config{Trades: 100, Collections: 10, Tokens: 50}, "tokens"},
		{Config{Trades: 100, ERC20: 1000}, "erc20"},
		{Config{Trades: 100, ERC20Share: 2}, "erc20 share"},
		{Config{Trades: 100, Mix: Mix{SelfTrade: -1}}, "mix"},
		{Config{Trades: 100, ERC20: -1, Mix: Mix{Churn: 1}}, "ERC-20"},
	} {
		_, err := tc.cfg.Normalize()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Normalize(%+v) = %v, want an error about %q", tc.cfg, err, tc.want)
		}
		if _, err2 := Generate(tc.cfg, &collector{}, nil); err2 == nil {
			t.Errorf("Generate(%+v) succeeded", tc.cfg)
		}
	}
	if _, err := (Config{Trades: 1}).Normalize(); err != nil {
		t.Errorf("Trades 1: %v", err)
	}
}

type failWriter struct {
	collector
	after int
}

func (f *failWriter) Write(r *datasets.Row) error {
	if len(f.rows) == f.after {
		return fmt.Errorf("disk full")
	}
	return f.collector.Write(r)
}

func TestWriteError(t *testing.T) {
	for _, after := range []int{0, 1, batchSize - 1, batchSize, 3*batchSize + 7} {
		_, err := Generate(Config{Trades: 20000, Seed: 1}, &failWriter{after: after}, nil)
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("after %d rows: err = %v, want disk full", after, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	_, err := WriteFiles(ctx, Config{Trades: 200000, Seed: 1}, filepath.Join(dir, "x.csv"), filepath.Join(dir, "f.csv"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Errorf("cancelled run left files %v", m)
	}
}

func TestSmallAndOdd(t *testing.T) {
	for _, cfg := range []Config{
		{Trades: 1},
		{Trades: 7, Seed: 3},
		{Trades: 500, Wallets: 8, Tokens: 30, Collections: 3},
		{Trades: 3000, WashShare: 0.9, Seed: 4},
		{Trades: 2000, Mix: Mix{Churn: 1}, Seed: 5},
		{Trades: 2000, Mix: Mix{SameTx: 1}, Seed: 6, ERC20: -1},
		{Trades: 2000, Days: 0.5, Seed: 7},
		{Trades: 2000, Start: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), Seed: 8},
	} {
		rows, st, _ := collect(t, cfg)
		if int64(len(rows)) != cfg.Trades {
			t.Errorf("%+v: %d rows", cfg, len(rows))
		}
		if cfg.Trades >= 500 {
			checkRunsLoose(t, cfg, rows, st)
		}
	}
}

// checkRunsLoose runs the row-level invariants without requiring rings.
func checkRunsLoose(t *testing.T, cfg Config, rows []datasets.Row, st Stats) {
	t.Helper()
	owner := map[assetKey]datasets.Address{}
	for i := range rows {
		r := &rows[i]
		if r.Standard == datasets.ERC20 {
			continue
		}
		if cur, ok := owner[key(r)]; ok && cur != r.Seller {
			t.Fatalf("%+v row %d: seller does not own the token", cfg, i)
		}
		owner[key(r)] = r.Buyer
		if r.Seller == r.Buyer && r.Label != datasets.LabelWash {
			t.Fatalf("%+v row %d: organic self trade", cfg, i)
		}
	}
}

// TestTinySpan: with a span far below one second per row and every token
// locked by buy-backs, generation still ends.
func TestTinySpan(t *testing.T) {
	cfg := Config{Trades: 3000, Seed: 1, Days: 1e-9, ERC20: -1, Tokens: 30, Collections: 3, BuybackRate: 1}
	rows, _, _ := collect(t, cfg)
	if len(rows) != 3000 {
		t.Fatalf("%d rows", len(rows))
	}
}
