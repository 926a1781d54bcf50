// Package sample is the small labeled market compiled into the washscan
// binary: `washscan analyze` with no --trades runs on it.
//
// The market is written by package datasets/synth with [synth.SampleConfig]
// (3,000 rows over 180 days from 2022-01-01, about 10% labeled wash: self
// trades, ping-pong pairs, rings, reward farming, same-transaction round
// trips and ERC-20 churn, beside organic buy-backs, flippers and exchange- and
// friend-funded wallets). Regenerate it after changing the generator with
//
//	go generate ./datasets/sample
//
// which runs gen.go and rewrites sample-market.csv.gz and
// sample-funders.csv.gz; TestEmbeddedIsCurrent fails until that is done.
package sample

import (
	"embed"
	"fmt"

	"github.com/washscan/washscan/datasets"
)

//go:generate go run gen.go

// Name is the file name the sample market carries in outputs (the input
// block's files and error positions).
const Name = "embedded:sample-market.csv"

// FundersName is the file name of the sample's funders in error positions.
const FundersName = "embedded:sample-funders.csv"

// Embedded file names inside FS.
const (
	TradesFile  = "sample-market.csv.gz"
	FundersFile = "sample-funders.csv.gz"
)

// FS holds the embedded files TradesFile and FundersFile.
//
//go:embed sample-market.csv.gz sample-funders.csv.gz
var FS embed.FS

// Load reads the embedded market and its funders. opt applies as for any
// trades file (its Map, Set and TimeFormat are not needed by the sample); when
// opt.Funders is empty the embedded funders are read. The returned table
// names its one file Name.
func Load(opt datasets.LoadOptions) (*datasets.Trades, error) {
	if opt.Funders == "" {
		opt.Funders, opt.FundersFS = FundersFile, FS
	}
	t, err := datasets.LoadFS(FS, []string{TradesFile}, opt)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", Name, err)
	}
	if len(t.Files) > 0 {
		t.Files[0] = Name
	}
	return t, nil
}
