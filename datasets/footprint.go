package datasets

import (
	"fmt"
	"strings"
	"unsafe"
)

// Part is the memory one part of a loaded table holds: a column, a
// dictionary or a side table.
type Part struct {
	Name  string
	Bytes int64 // allocated: capacity × element size, plus string bytes and map estimates
}

// Footprint lists the memory t holds, part by part: each column, then the
// dictionaries and the side tables (for BENCHMARKS.md's bytes per trade).
// Capacity counts, not length: a column reserved for more rows than it
// got holds the slack. A token id counts its string header and its bytes
// (the loader's token ids are slices of one string per million assets, so
// each byte is held once). Maps are estimated at their keys and values plus
// 50% (Go's buckets).
func (t *Trades) Footprint() []Part {
	var ps []Part
	col := func(name string, n, size int) {
		ps = append(ps, Part{name, int64(n) * int64(size)})
	}
	col("chain", cap(t.Chain), 4)
	col("block_time", cap(t.Time), 8)
	col("block_number", cap(t.Block), 8)
	col("tx_hash", cap(t.TxHash), 32)
	col("log_index", cap(t.LogIndex), 4)
	col("asset", cap(t.Asset), 4)
	col("token_standard", cap(t.Standard), 1)
	col("seller", cap(t.Seller), 4)
	col("buyer", cap(t.Buyer), 4)
	col("amount", cap(t.Amount), 8)
	col("price", cap(t.Price), 8)
	col("currency", cap(t.Currency), 4)
	col("price_usd", cap(t.PriceUSD), 8)
	col("platform", cap(t.Platform), 4)
	col("tx_from", cap(t.TxFrom), 4)
	col("is_wash", cap(t.Label), 1)
	col("origins", cap(t.Origins.runs), int(unsafe.Sizeof(originRun{})))
	if d := t.Addrs; d != nil {
		col("addresses", cap(d.list), 20)
		col("addresses.unknown", cap(d.unknown), 1)
		col("addresses.index", cap(d.index.slots), int(unsafe.Sizeof(addrSlot{})))
	}
	if a := t.Assets; a != nil {
		col("assets.contract", cap(a.Contract), 4)
		var s int64
		for _, v := range a.TokenID {
			s += int64(len(v))
		}
		ps = append(ps, Part{"assets.token_id", int64(cap(a.TokenID))*16 + s})
		col("assets.records", cap(a.rec), int(unsafe.Sizeof(assetRec{})))
		col("assets.raw", cap(a.raw), 1)
		col("assets.index", cap(a.slots), 8)
	}
	dict := func(name string, d *Dict) {
		if d == nil {
			return
		}
		var s int64
		for _, v := range d.list {
			s += int64(len(v))
		}
		ps = append(ps, Part{name, int64(cap(d.list))*16 + 2*s + int64(len(d.index))*20*3/2})
	}
	dict("chains", t.Chains)
	dict("currencies", t.Currencies)
	dict("platforms", t.Platforms)
	if f := t.Funders; f != nil {
		col("funders.funder", cap(f.funder), 4)
		col("funders.time", cap(f.time), 8)
		ps = append(ps, Part{"funders.fanout", int64(len(f.fanout)) * 8 * 3 / 2})
	}
	ps = append(ps, Part{"deny_funders", int64(len(t.DenyFunders)) * 5 * 3 / 2})
	var files int64
	for _, f := range t.Files {
		files += 16 + int64(len(f))
	}
	ps = append(ps, Part{"files", files})
	return ps
}

// FootprintTable renders parts as lines of name, MiB and bytes per row
// for a table of rows rows.
func FootprintTable(parts []Part, rows int) string {
	var b strings.Builder
	var total int64
	for _, p := range parts {
		total += p.Bytes
	}
	for _, p := range append(parts, Part{"total", total}) {
		per := 0.0
		if rows > 0 {
			per = float64(p.Bytes) / float64(rows)
		}
		fmt.Fprintf(&b, "%-20s %8.1f MiB %7.2f B/row\n", p.Name, float64(p.Bytes)/(1<<20), per)
	}
	return b.String()
}
