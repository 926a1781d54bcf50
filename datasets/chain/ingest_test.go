package chain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
)

// memWriter collects rows; Close publishes them.
type memWriter struct {
	rows []datasets.Row
	out  *[]datasets.Row
}

func (m *memWriter) Write(r *datasets.Row) error { m.rows = append(m.rows, *r); return nil }
func (m *memWriter) Close() error                { *m.out = m.rows; return nil }
func (m *memWriter) Abort()                      {}

func rowString(r *datasets.Row) string {
	from := ""
	if r.TxFrom != nil {
		from = r.TxFrom.String()
	}
	agg := ""
	if r.AggregatorAddress != nil {
		agg = r.AggregatorName + "@" + r.AggregatorAddress.String()
	}
	return fmt.Sprintf("%s t=%d b=%d tx=%s li=%d c=%s id=%q %s s=%s r=%s a=%s p=%s cur=%q pl=%q from=%s agg=%s",
		r.Chain, r.BlockTime, r.BlockNumber, r.TxHash, r.LogIndex, r.Contract, r.TokenID, r.Standard, r.Seller, r.Buyer,
		r.Amount, r.Price, r.Currency, r.Platform, from, agg)
}

func compareRows(t *testing.T, got, want []datasets.Row) {
	t.Helper()
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			t.Errorf("row %d missing: want %s", i, rowString(&want[i]))
		case i >= len(want):
			t.Errorf("row %d extra: %s", i, rowString(&got[i]))
		default:
			if g, w := rowString(&got[i]), rowString(&want[i]); g != w {
				t.Errorf("row %d:\n got %s\nwant %s", i, g, w)
			}
		}
	}
}

func TestIngestSimulated(t *testing.T) {
	tc := newSimChain(t, nil)
	w := buildWorld(t, tc)
	var got []datasets.Row
	cfg := w.config(filepath.Join(t.TempDir(), "out.csv"))
	cfg.Create = func(string) (datasets.RowWriter, error) { return &memWriter{out: &got}, nil }
	var warn bytes.Buffer
	cfg.Warn = &warn
	// By default the malformed Transfer stops the ingest, naming its block
	// and log index; --skip-bad-logs warns and goes on.
	cfg.SkipBadLogs = false
	_, err := Ingest(context.Background(), cfg)
	var bad *BadLogError
	if !errors.As(err, &bad) || bad.Block != w.to || bad.ExitCode() != 65 || !strings.Contains(err.Error(), fmt.Sprintf("block %d tx", w.to)) {
		t.Fatalf("malformed log: %v, want a BadLogError of block %d", err, w.to)
	}
	for _, p := range []string{cfg.Out + ".checkpoint", cfg.Out + ".checkpoint.rows"} {
		os.Remove(p)
	}
	cfg.SkipBadLogs = true
	res, err := Ingest(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	compareRows(t, got, w.want)
	if res.Rows != int64(len(w.want)) || res.Malformed != 1 {
		t.Errorf("result %+v: want %d rows, 1 malformed", res, len(w.want))
	}
	if !strings.Contains(warn.String(), "Transfer with 2 topics") {
		t.Errorf("warning missing: %q", warn.String())
	}
	if res.FromBlock != w.from || res.ToBlock != w.to {
		t.Errorf("range %d-%d, want %d-%d", res.FromBlock, res.ToBlock, w.from, w.to)
	}
	st, rw := CheckpointPaths(cfg.Out)
	for _, p := range []string{st, rw} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("checkpoint %s left behind (%v)", p, err)
		}
	}

	// Without the marketplaces, sale rows fall back to value / WETH paid.
	got = nil
	cfg.Marketplaces, cfg.NoDefaultContracts = nil, true
	if _, err := Ingest(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	// The punks contract is no longer known as such: its four ERC-20-shaped
	// Transfers become its rows.
	pk, nonPunk := datasets.Address(w.pk), 0
	for _, r := range w.want {
		if r.Contract != pk {
			nonPunk++
		}
	}
	if len(got) != nonPunk+4 {
		t.Fatalf("%d rows without marketplaces, want %d", len(got), nonPunk+4)
	}
	for i, r := range got {
		if r.Platform != "" {
			t.Errorf("row %d: platform %q without marketplaces", i, r.Platform)
		}
		if r.Contract == pk && (r.Standard != datasets.ERC20 || r.Amount != "1") {
			t.Errorf("row %d: %s", i, rowString(&r))
		}
	}
}

// cleanRun ingests w into a CSV file and returns its bytes.
func cleanRun(t *testing.T, w *world, cfg Config) []byte {
	t.Helper()
	if _, err := Ingest(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIngestThroughFaults(t *testing.T) {
	fault, counts := newFaultProxy(3)
	var on bool
	tc := newSimChain(t, func(w http.ResponseWriter, body []byte) bool { return on && fault(w, body) })
	w := buildWorld(t, tc)
	dir := t.TempDir()
	want := cleanRun(t, w, w.config(filepath.Join(dir, "clean.csv")))
	if bytes.Count(want, []byte("\n")) != len(w.want)+1 {
		t.Fatalf("clean CSV has %d lines, want %d", bytes.Count(want, []byte("\n")), len(w.want)+1)
	}
	on = true
	cfg := w.config(filepath.Join(dir, "faulty.csv"))
	cfg.ChunkBlocks = 16
	res, err := Ingest(context.Background(), cfg)
	on = false
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(cfg.Out)
	if !bytes.Equal(got, want) {
		t.Errorf("output through faults differs:\n%s\nwant\n%s", got, want)
	}
	if counts.TooMany == 0 || counts.Unavailable == 0 || counts.Range == 0 || counts.Dropped == 0 || counts.Lagging == 0 {
		t.Errorf("faults injected: %+v", counts)
	}
	if res.RPC.Retries == 0 || res.RPC.Splits == 0 {
		t.Errorf("stats %+v: want retries and splits", res.RPC)
	}
}

func TestIngestResume(t *testing.T) {
	tc := newSimChain(t, nil)
	w := buildWorld(t, tc)
	dir := t.TempDir()
	want := cleanRun(t, w, w.config(filepath.Join(dir, "clean.csv")))

	for _, tt := range []struct {
		name    string
		killAt  int  // chunks committed before the kill
		garbage bool // a torn append after the last saved state
		latest  bool
	}{
		{"kill-after-1", 1, false, false},
		{"kill-after-3-torn", 3, true, false},
		{"latest-grows", 2, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := w.config(filepath.Join(dir, tt.name+".csv"))
			cfg.ChunkBlocks = 3
			if tt.latest {
				// The head is w.to+2 (two empty blocks were sealed after it).
				cfg.ToLatest, cfg.Confirmations = true, 2
			}
			ctx, cancel := context.WithCancel(context.Background())
			chunks := -1 // the first call reports the start
			cfg.Progress = func(done, total uint64) {
				if chunks++; chunks == tt.killAt {
					cancel()
				}
			}
			_, err := Ingest(ctx, cfg)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("killed run: %v", err)
			}
			if _, err := os.Stat(cfg.Out); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("output exists after a killed run")
			}
			st, rows := CheckpointPaths(cfg.Out)
			if tt.garbage {
				f, _ := os.OpenFile(rows, os.O_APPEND|os.O_WRONLY, 0)
				f.WriteString(`{"chain":"ethereum","t":1,"b":99999`)
				f.Close()
			}
			if _, err := os.Stat(st); err != nil {
				t.Fatalf("no checkpoint: %v", err)
			}
			cfg.Progress = nil
			if _, err := Ingest(context.Background(), cfg); !errors.Is(err, ErrCheckpointExists) {
				t.Fatalf("rerun without --resume: %v, want ErrCheckpointExists", err)
			}
			if tt.latest {
				w.tx(t, nil, transfer721(w.nft, randAddr(), randAddr(), 1)) // the chain moves on
				tc.commit()
			}
			cfg.Resume = true
			res, err := Ingest(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Resumed || res.ToBlock != w.to {
				t.Errorf("resumed=%v to=%d, want true, %d", res.Resumed, res.ToBlock, w.to)
			}
			got, _ := os.ReadFile(cfg.Out)
			if !bytes.Equal(got, want) {
				t.Errorf("resumed output differs:\n%s\nwant\n%s", got, want)
			}
		})
	}

	// A checkpoint made with other settings is refused.
	cfg := w.config(filepath.Join(dir, "mismatch.csv"))
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Progress = func(done, total uint64) {
		if done > 0 {
			cancel()
		}
	}
	Ingest(ctx, cfg)
	cfg.Progress, cfg.Resume, cfg.Contracts = nil, true, cfg.Contracts[:1]
	if _, err := Ingest(context.Background(), cfg); !errors.Is(err, ErrCheckpointMismatch) {
		t.Errorf("resume with other contracts: %v, want ErrCheckpointMismatch", err)
	}
}
