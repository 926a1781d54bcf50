package chain

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/washscan/washscan/datasets"
)

// CheckpointPaths returns the two checkpoint files of an ingest into out:
// the state (JSON) and the rows committed so far (JSON Lines).
func CheckpointPaths(out string) (state, rows string) {
	return out + ".checkpoint", out + ".checkpoint.rows"
}

// ckState is the checkpoint of an ingest. Rows holds the rows of blocks
// FromBlock..Next-1; RowsBytes is the length of the rows file when the state
// was saved, so a crash between appending rows and saving the state is
// undone by truncating.
type ckState struct {
	Version       int      `json:"version"`
	Chain         string   `json:"chain"`
	Contracts     []string `json:"contracts"`
	Marketplaces  []string `json:"marketplaces"`
	WrappedNative string   `json:"wrapped_native"`
	Sudoswap      []string `json:"sudoswap_factories"`
	ERC721        []string `json:"erc721,omitempty"`
	FromBlock     uint64   `json:"from_block"`
	ToBlock       uint64   `json:"to_block"` // resolved end block
	ToLatest      bool     `json:"to_latest"`
	Next          uint64   `json:"next_block"` // first block not yet committed
	Rows          int64    `json:"rows"`
	RowsBytes     int64    `json:"rows_bytes"`
	// Recent are the ends of the last chunks committed: those within
	// Confirmations blocks of the newest, and one before them. A
	// reorganisation is rolled back to the newest one still on the chain.
	Recent []ckBlock `json:"recent"`
}

// ckBlock is a committed chunk's last block, its hash, and the rows
// committed up to it.
type ckBlock struct {
	Block     uint64      `json:"block"`
	Hash      common.Hash `json:"hash"`
	Rows      int64       `json:"rows"`
	RowsBytes int64       `json:"rows_bytes"`
}

type checkpoint struct {
	st                  ckState
	statePath, rowsPath string
	f                   *os.File
}

func settingsOf(cfg *Config) ckState {
	st := ckState{Version: 2, Chain: cfg.Chain, WrappedNative: cfg.WrappedNative.String(), FromBlock: cfg.FromBlock, ToLatest: cfg.ToLatest,
		Sudoswap: []string{cfg.SudoswapV1.String(), cfg.SudoswapV2.String(), cfg.Blend.String()}}
	for _, c := range cfg.Contracts {
		st.Contracts = append(st.Contracts, c.String())
	}
	for _, m := range cfg.Marketplaces {
		st.Marketplaces = append(st.Marketplaces, m.Name+"="+m.Address.String())
	}
	for _, c := range cfg.ERC721 {
		st.ERC721 = append(st.ERC721, c.String())
	}
	if !cfg.ToLatest {
		st.ToBlock = cfg.ToBlock
	}
	return st
}

func sameSettings(a, b ckState) bool {
	return a.Version == b.Version && a.Chain == b.Chain && slices.Equal(a.Contracts, b.Contracts) &&
		slices.Equal(a.Marketplaces, b.Marketplaces) && a.WrappedNative == b.WrappedNative && slices.Equal(a.Sudoswap, b.Sudoswap) && slices.Equal(a.ERC721, b.ERC721) &&
		a.FromBlock == b.FromBlock && a.ToLatest == b.ToLatest && (a.ToLatest || a.ToBlock == b.ToBlock)
}

// openCheckpoint resumes the checkpoint of cfg.Out or starts a new one,
// resolving a ToLatest end block against the node's head.
func openCheckpoint(ctx context.Context, cfg *Config, n *node, res *Result) (*checkpoint, error) {
	ck := &checkpoint{}
	ck.statePath, ck.rowsPath = CheckpointPaths(cfg.Out)
	want := settingsOf(cfg)
	data, err := os.ReadFile(ck.statePath)
	switch {
	case err == nil:
		if !cfg.Resume {
			return nil, fmt.Errorf("%s: %w; pass --resume to continue it or delete it to start over", ck.statePath, ErrCheckpointExists)
		}
		if err := json.Unmarshal(data, &ck.st); err != nil {
			return nil, fmt.Errorf("read checkpoint %s: %w", ck.statePath, err)
		}
		if !sameSettings(ck.st, want) {
			return nil, fmt.Errorf("%s: %w (delete it to start over)", ck.statePath, ErrCheckpointMismatch)
		}
		f, err := os.OpenFile(ck.rowsPath, os.O_RDWR, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open checkpoint rows: %w", err)
		}
		if err := f.Truncate(ck.st.RowsBytes); err != nil {
			f.Close()
			return nil, fmt.Errorf("truncate %s: %w", ck.rowsPath, err)
		}
		if _, err := f.Seek(ck.st.RowsBytes, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("seek %s: %w", ck.rowsPath, err)
		}
		ck.f = f
		res.Resumed = true
		return ck, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}

	var hx hexutil.Uint64 // strict: a bad answer fails to decode, quoted by a short prefix
	if err := n.call(ctx, &hx, "eth_blockNumber"); err != nil {
		return nil, err
	}
	head := uint64(hx)
	safe := uint64(0)
	if head >= cfg.Confirmations {
		safe = head - cfg.Confirmations
	} else {
		return nil, fmt.Errorf("the node is at block %d, fewer than %d confirmations", head, cfg.Confirmations)
	}
	st := want
	if cfg.ToLatest {
		st.ToBlock = safe
	} else if st.ToBlock > safe {
		return nil, fmt.Errorf("to-block %d is beyond the node's head %d less %d confirmations", st.ToBlock, head, cfg.Confirmations)
	}
	if st.ToBlock < st.FromBlock {
		return nil, fmt.Errorf("from-block %d is beyond the end block %d", st.FromBlock, st.ToBlock)
	}
	st.Next = st.FromBlock
	f, err := os.OpenFile(ck.rowsPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create checkpoint: %w", err)
	}
	ck.f, ck.st = f, st
	if err := ck.save(); err != nil {
		ck.close()
		return nil, err
	}
	return ck, nil
}

// rowRecord is a row as the checkpoint stores it.
type rowRecord struct {
	Chain    string `json:"chain"`
	Time     int64  `json:"t"`
	Block    uint64 `json:"b"`
	Tx       string `json:"tx"`
	LogIndex uint32 `json:"li"`
	Contract string `json:"c"`
	TokenID  string `json:"id,omitempty"`
	Standard string `json:"std"`
	Seller   string `json:"s"`
	Buyer    string `json:"r"`
	Amount   string `json:"a"`
	Price    string `json:"p"`
	Currency string `json:"cur,omitempty"`
	Platform string `json:"pl,omitempty"`
	TxFrom   string `json:"from,omitempty"`
	AggName  string `json:"agn,omitempty"`
	AggAddr  string `json:"aga,omitempty"`
}

func toRecord(r *datasets.Row) rowRecord {
	rec := rowRecord{Chain: r.Chain, Time: r.BlockTime, Block: r.BlockNumber, Tx: r.TxHash.String(), LogIndex: r.LogIndex,
		Contract: r.Contract.String(), TokenID: r.TokenID, Standard: r.Standard.String(), Seller: r.Seller.String(),
		Buyer: r.Buyer.String(), Amount: r.Amount, Price: r.Price, Currency: r.Currency, Platform: r.Platform}
	if r.TxFrom != nil {
		rec.TxFrom = r.TxFrom.String()
	}
	if r.AggregatorAddress != nil {
		rec.AggName, rec.AggAddr = r.AggregatorName, r.AggregatorAddress.String()
	}
	return rec
}

func fromRecord(rec *rowRecord) (*datasets.Row, error) {
	std, ok := datasets.ParseStandard(rec.Standard)
	if !ok {
		return nil, fmt.Errorf("bad standard %q", rec.Standard)
	}
	r := &datasets.Row{Chain: rec.Chain, BlockTime: rec.Time, BlockNumber: rec.Block, TxHash: datasets.Hash(common.HexToHash(rec.Tx)),
		LogIndex: rec.LogIndex, Contract: mustAddr(rec.Contract), TokenID: rec.TokenID, Standard: std,
		Seller: mustAddr(rec.Seller), Buyer: mustAddr(rec.Buyer), Amount: rec.Amount, Price: rec.Price,
		Currency: rec.Currency, Platform: rec.Platform, Label: datasets.LabelNone}
	if rec.TxFrom != "" {
		a := mustAddr(rec.TxFrom)
		r.TxFrom = &a
	}
	if rec.AggAddr != "" {
		a := mustAddr(rec.AggAddr)
		r.AggregatorName, r.AggregatorAddress = rec.AggName, &a
	}
	return r, nil
}

// linked reports whether a chunk whose first block has header first follows
// the last chunk committed on the same chain.
func (ck *checkpoint) linked(first *rpcHeader) bool {
	if len(ck.st.Recent) == 0 {
		return true
	}
	e := ck.st.Recent[len(ck.st.Recent)-1]
	return uint64(first.Number) != e.Block+1 || first.ParentHash == e.Hash
}

// rollbackTo forgets the chunks after Recent[i].
func (ck *checkpoint) rollbackTo(i int) error {
	e := ck.st.Recent[i]
	if err := ck.f.Truncate(e.RowsBytes); err != nil {
		return fmt.Errorf("truncate %s: %w", ck.rowsPath, err)
	}
	if _, err := ck.f.Seek(e.RowsBytes, io.SeekStart); err != nil {
		return fmt.Errorf("seek %s: %w", ck.rowsPath, err)
	}
	ck.st.Next, ck.st.Rows, ck.st.RowsBytes, ck.st.Recent = e.Block+1, e.Rows, e.RowsBytes, ck.st.Recent[:i+1]
	return ck.save()
}

// commit appends the rows of a chunk, syncs them, then records next as the
// first block not yet read, and the hash of the chunk's last block.
func (ck *checkpoint) commit(rows []pendingRow, next uint64, last common.Hash, confirmations uint64) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range rows {
		if err := enc.Encode(toRecord(&rows[i].Row)); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	if buf.Len() > 0 {
		if _, err := ck.f.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write %s: %w", ck.rowsPath, err)
		}
		if err := ck.f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", ck.rowsPath, err)
		}
	}
	ck.st.Next = next
	ck.st.Rows += int64(len(rows))
	ck.st.RowsBytes += int64(buf.Len())
	ck.st.Recent = append(ck.st.Recent, ckBlock{next - 1, last, ck.st.Rows, ck.st.RowsBytes})
	// Keep the ends within confirmations blocks of the newest, and one older.
	keep := 0
	for keep < len(ck.st.Recent)-1 && ck.st.Recent[keep+1].Block+confirmations < next-1 {
		keep++
	}
	ck.st.Recent = slices.Clone(ck.st.Recent[keep:])
	return ck.save()
}

func (ck *checkpoint) save() error {
	data, err := json.MarshalIndent(ck.st, "", "  ")
	if err != nil {
		return err
	}
	return datasets.WriteFileAtomic(ck.statePath, append(data, '\n'))
}

func (ck *checkpoint) close() {
	if ck.f != nil {
		ck.f.Close()
		ck.f = nil
	}
}

// finish writes every committed row to out through create and, once out is
// in place, removes the checkpoint.
func (ck *checkpoint) finish(out string, create func(string) (datasets.RowWriter, error)) error {
	if _, err := ck.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read %s: %w", ck.rowsPath, err)
	}
	w, err := create(out)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(io.LimitReader(ck.f, ck.st.RowsBytes))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var n int64
	for sc.Scan() {
		var rec rowRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			w.Abort()
			return fmt.Errorf("%s: row %d: %w", ck.rowsPath, n+1, err)
		}
		r, err := fromRecord(&rec)
		if err != nil {
			w.Abort()
			return fmt.Errorf("%s: row %d: %w", ck.rowsPath, n+1, err)
		}
		if err := w.Write(r); err != nil {
			w.Abort()
			return fmt.Errorf("write %s: %w", out, err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		w.Abort()
		return fmt.Errorf("read %s: %w", ck.rowsPath, err)
	}
	if n != ck.st.Rows {
		w.Abort()
		return fmt.Errorf("%s holds %d rows, the checkpoint says %d", ck.rowsPath, n, ck.st.Rows)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	ck.close()
	os.Remove(ck.rowsPath)
	os.Remove(ck.statePath)
	return nil
}
