package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/washscan/washscan/detect/metrics"
)

// Fired is how many rows a detector reported.
type Fired struct {
	Detector string
	Rows     int
}

// Output is a file a run wrote.
type Output struct {
	What, Path string
}

// SummaryCollections is how many collections WriteSummary lists.
const SummaryCollections = 5

// WriteSummary writes a short human-readable summary of a run to w (about
// a dozen lines): the market figures, the top collections by wash volume
// with their suspect-sales ratio and level, how often each detector fired,
// and where the outputs went. Strings from the input are quoted when they
// hold control characters, so they cannot drive the terminal.
func WriteSummary(w io.Writer, rep *metrics.Report, fired []Fired, outs []Output) error {
	var b strings.Builder
	m := &rep.Market
	fmt.Fprintf(&b, "washscan: %s window up to %s: %d rows loaded", rep.TimeRange, rep.AsOf, rep.Input.RowsLoaded)
	if rep.Input.RowsRejected > 0 || rep.Input.RowsDuplicate > 0 {
		fmt.Fprintf(&b, " (%d rejected, %d duplicate)", rep.Input.RowsRejected, rep.Input.RowsDuplicate)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "  market: %d of %d sales flagged (ratio %s), %d wallets, %d assets, level %d\n",
		m.WashtradeSuspectSales, m.TotalSales, fnum(m.WashtradeSuspectSalesRatio), m.WashtradeWallets, m.WashtradeAssets, m.WashtradeLevel)
	fmt.Fprintf(&b, "  wash volume %s of %s", pnum(m.WashtradeVolume), pnum(m.TotalVolume))
	if m.TotalVolumeUSD != nil {
		fmt.Fprintf(&b, " (USD %s of %s)", pnum(m.WashtradeVolumeUSD), pnum(m.TotalVolumeUSD))
	}
	b.WriteString("\n")
	shown := 0
	for _, c := range rep.Collections {
		if c.WashtradeSuspectSales == 0 || shown == SummaryCollections {
			continue
		}
		if shown == 0 {
			b.WriteString("  top collections by wash volume:\n")
		}
		shown++
		fmt.Fprintf(&b, "    %s %s  wash volume %s of %s  ratio %s  level %d\n", safe(c.Blockchain), safe(c.ContractAddress),
			pnum(c.WashtradeVolume), pnum(c.TotalVolume), fnum(c.WashtradeSuspectSalesRatio), c.WashtradeLevel)
	}
	if shown == 0 {
		b.WriteString("  no collection has a flagged sale in the window\n")
	}
	var parts []string
	for _, f := range fired {
		if f.Rows > 0 {
			parts = append(parts, f.Detector+" "+strconv.Itoa(f.Rows))
		}
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	fmt.Fprintf(&b, "  detectors fired (rows): %s\n", strings.Join(parts, ", "))
	parts = parts[:0]
	for _, o := range outs {
		parts = append(parts, o.What+" → "+safe(o.Path))
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, "  wrote: %s\n", strings.Join(parts, "; "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fnum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func pnum(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fnum(*p)
}

// safe quotes s when it holds characters a terminal would act on.
func safe(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return strconv.Quote(s)
		}
	}
	return s
}
