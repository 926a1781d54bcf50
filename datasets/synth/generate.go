package synth

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/washscan/washscan/datasets"
)

// Stats describes a generated market.
type Stats struct {
	Rows           int64               `json:"rows"`
	WashRows       int64               `json:"wash_rows"`
	Mints          int64               `json:"mints"`
	Collections    int                 `json:"collections"`
	Tokens         int                 `json:"tokens"`
	OrganicWallets int                 `json:"organic_wallets"`
	WashWallets    int                 `json:"wash_wallets"`
	WashFunders    int                 `json:"wash_funders"`
	FunderRows     int64               `json:"funder_rows"`
	Campaigns      [numCampaigns]int64 `json:"campaigns"`
	Funding        [numFundModes]int64 `json:"funding"`
	Buybacks       int64               `json:"buybacks_planned"`
	BuybacksDone   int64               `json:"buybacks"`
	Rebuys         int64               `json:"rebuys_planned"`
	RebuysDone     int64               `json:"rebuys"`
	FriendTrades   int64               `json:"friend_trades"`
}

// WashShare returns WashRows/Rows (0 for no rows).
func (s Stats) WashShare() float64 {
	if s.Rows == 0 {
		return 0
	}
	return float64(s.WashRows) / float64(s.Rows)
}

// Generate writes the market described by cfg to w and, when funders is not
// nil, its funders CSV (wallet,funder,block_time; docs/contract.md §1.2) to funders after
// the last row. It does not Close or Abort w: the caller commits or discards
// it. Rows passed to w.Write are reused after Write returns.
//
// Generation runs in one goroutine and writing in the caller's, so a writer
// that encodes (CSV, Parquet) overlaps with generation. Time is O(Trades) and
// memory O(Tokens + Wallets + campaigns in flight), independent of Trades.
func Generate(cfg Config, w datasets.RowWriter, funders io.Writer) (Stats, error) {
	cfg, err := cfg.Normalize()
	if err != nil {
		return Stats{}, err
	}
	g := newGen(cfg)

	full := make(chan []slot, 2)
	free := make(chan []slot, 3)
	for range 3 {
		free <- make([]slot, 0, batchSize)
	}
	quit := make(chan struct{})
	g.batch = <-free
	g.emitB = func(b []slot) ([]slot, bool) {
		select {
		case full <- b:
		case <-quit:
			return nil, false
		}
		select {
		case nb := <-free:
			return nb[:0], true
		case <-quit:
			return nil, false
		}
	}
	go func() {
		defer close(full)
		g.run()
		if !g.stop && len(g.batch) > 0 {
			select {
			case full <- g.batch:
			case <-quit:
			}
		}
	}()
	var werr error
	var written int64
	for b := range full {
		if werr == nil {
			for i := range b {
				written++
				if err := w.Write(&b[i].row); err != nil {
					werr = fmt.Errorf("synth: write row %d: %w", written, err)
					close(quit)
					break
				}
			}
		}
		if werr == nil {
			free <- b
		}
	}
	if werr != nil {
		return g.stats, werr
	}
	g.stats.Rows = g.rows
	g.stats.WashRows = g.washRows
	g.stats.WashWallets = len(g.washFun)
	if funders != nil {
		if err := g.writeFunders(funders); err != nil {
			return g.stats, fmt.Errorf("synth: write funders: %w", err)
		}
	}
	return g.stats, nil
}

// writeFunders writes the first funder of every organic wallet that traded,
// in wallet order, then of every wash wallet, in creation order.
func (g *gen) writeFunders(out io.Writer) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	bw.WriteString("wallet,funder,block_time\n")
	line := func(w uint32, f funding) {
		bw.WriteString(g.walletAddr(w).String())
		bw.WriteByte(',')
		bw.WriteString(g.funderAddress(f).String())
		bw.WriteByte(',')
		var tb [32]byte
		bw.Write(time.Unix(f.t, 0).UTC().AppendFormat(tb[:0], time.RFC3339))
		bw.WriteByte('\n')
		g.stats.FunderRows++
	}
	for w := range uint32(g.cfg.Wallets) {
		if g.seen[w/64]&(1<<(w%64)) != 0 {
			line(w, g.organicFunder(w))
		}
	}
	for i, f := range g.washFun {
		line(uint32(g.cfg.Wallets+i), f)
	}
	return bw.Flush()
}
