package report_test

import (
	"strings"
	"testing"

	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/report"
)

func TestWriteSummary(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	rep := &metrics.Report{TimeRange: "30d", AsOf: "2022-06-30T00:00:00Z"}
	rep.Input.RowsLoaded = 1000
	rep.Market.Metrics = metrics.Metrics{WashtradeSuspectSales: 12, TotalSales: 900, WashtradeSuspectSalesRatio: 0.013333,
		WashtradeVolume: v(5.5), TotalVolume: v(100), WashtradeWallets: 7, WashtradeAssets: 3, WashtradeLevel: 2}
	rep.Collections = []metrics.Collection{
		{Blockchain: "ethereum", ContractAddress: "0xc1", Metrics: metrics.Metrics{WashtradeSuspectSales: 12, WashtradeVolume: v(5.5), TotalVolume: v(60), WashtradeSuspectSalesRatio: 0.02, WashtradeLevel: 2}},
		{Blockchain: "eth\x1b[2J", ContractAddress: "0xc2", Metrics: metrics.Metrics{WashtradeSuspectSales: 1, TotalVolume: v(40)}},
		{Blockchain: "ethereum", ContractAddress: "0xc3", Metrics: metrics.Metrics{TotalVolume: v(40)}},
	}
	var b strings.Builder
	err := report.WriteSummary(&b, rep, []report.Fired{{"cycle", 9}, {"self_trade", 0}, {"common_funder", 4}},
		[]report.Output{{"metrics", "m.json"}, {"flags", "f.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	got := b.String()
	want := `washscan: 30d window up to 2022-06-30T00:00:00Z: 1000 rows loaded
  market: 12 of 900 sales flagged (ratio 0.013333), 7 wallets, 3 assets, level 2
  wash volume 5.5 of 100
  top collections by wash volume:
    ethereum 0xc1  wash volume 5.5 of 60  ratio 0.02  level 2
    "eth\x1b[2J" 0xc2  wash volume n/a of 40  ratio 0  level 0
  detectors fired (rows): cycle 9, common_funder 4
  wrote: metrics → m.json; flags → f.csv
`
	if got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}
