package datasets

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// prow is one parsed row before interning. Its strings may share memory with
// the input buffer; the merge clones what it keeps.
type prow struct {
	time      int64
	block     uint64
	amount    float64
	price     float64
	usd       float64
	line      int64 // line (text) or row (Parquet); relative to the chunk until merged
	tx        Hash
	contract  Address
	seller    Address
	buyer     Address
	txFrom    Address
	chain     string
	token     string
	tk        tokKey  // token in compact form, set by finish
	aid       AssetID // merge stage A → B: asset id (rowNew)
	pcid      AddrID  // merge stage A → B: stage A's private contract id
	cand      uint32  // merge stage A → B: the loaded row of the same identity (rowSame)
	state     uint8   // merge stage A → B: rowNew, rowSame or rowBad
	sellerID  AddrID  // stage B: ids resolved by resolveAddrs (0: not yet interned)
	buyerID   AddrID
	txFromID  AddrID
	currency  string
	platform  string
	logIndex  uint32
	raw0      int32 // raw text span of the row within its chunk (text formats)
	raw1      int32
	std       Standard
	label     Label
	hasSeller bool
	hasBuyer  bool
	hasTxFrom bool
	hasPrice  bool
	noLI      bool      // JSON Lines: the object has no log_index
	err       *RowError // non-nil: the row is rejected
}

// loadConfig is LoadOptions resolved once per load.
type loadConfig struct {
	mapRev  map[string]int    // normalized file column -> canonical index (--map)
	mapSrc  map[string]string // canonical column -> the file column --map names
	mapSeen map[string]bool   // normalized --map sources some file had
	nfiles  int               // files in the load
	set     [numCols]string
	hasSet  [numCols]bool
	layout  string
}

// normHeader normalizes a column name: leading BOM stripped, trimmed, lower-cased.
func normHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	return strings.ToLower(strings.TrimSpace(h))
}

func newLoadConfig(opt *LoadOptions) (*loadConfig, error) {
	c := &loadConfig{mapRev: map[string]int{}, mapSrc: map[string]string{}, mapSeen: map[string]bool{}, layout: opt.TimeFormat}
	for _, k := range sortedKeys(opt.Map) {
		ci, ok := columnIndex[normHeader(k)]
		if !ok {
			return nil, fmt.Errorf("--map %s=%s: %w: %q is not a canonical column", k, opt.Map[k], ErrBadOption, k)
		}
		src := normHeader(opt.Map[k])
		if src == "" {
			return nil, fmt.Errorf("--map %s=: %w: no source column", k, ErrBadOption)
		}
		if prev, ok := c.mapSrc[CanonicalColumns[ci]]; ok {
			return nil, fmt.Errorf("--map names column %s twice (%s and %s): %w", CanonicalColumns[ci], prev, opt.Map[k], ErrBadOption)
		}
		if prev, ok := c.mapRev[src]; ok {
			return nil, fmt.Errorf("--map names source column %s twice (for %s and %s): %w", opt.Map[k], CanonicalColumns[prev], CanonicalColumns[ci], ErrBadOption)
		}
		c.mapRev[src] = ci
		c.mapSrc[CanonicalColumns[ci]] = opt.Map[k]
	}
	for _, k := range sortedKeys(opt.Set) {
		ci, ok := columnIndex[normHeader(k)]
		if !ok {
			return nil, fmt.Errorf("--set %s=%s: %w: %q is not a canonical column", k, opt.Set[k], ErrBadOption, k)
		}
		if c.hasSet[ci] {
			return nil, fmt.Errorf("--set names column %s twice: %w", CanonicalColumns[ci], ErrBadOption)
		}
		v := strings.TrimSpace(opt.Set[k])
		var p prow
		if err := c.setText(ci, v, &p); err != nil {
			return nil, fmt.Errorf("--set %s=%s: %w: %v", k, opt.Set[k], ErrBadOption, err)
		}
		c.set[ci], c.hasSet[ci] = v, true
	}
	return c, nil
}

// withPartition is c with the constant columns of a file's hive partition
// directories (ExpandInputs) added where --set does not give the column.
func (c *loadConfig) withPartition(part map[string]string) *loadConfig {
	if len(part) == 0 {
		return c
	}
	fc := *c
	for k, v := range part {
		if ci := columnIndex[k]; !fc.hasSet[ci] {
			fc.set[ci], fc.hasSet[ci] = strings.TrimSpace(v), true
		}
	}
	return &fc
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ { // insertion sort: tiny maps
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// requiredCols are the columns a file must have (or get from --set).
var requiredCols = []int{colBlockTime, colTxHash, colContract, colSeller, colBuyer, colPrice}

// checkHeader reports the first required column that idx lacks and --set does not supply.
func (c *loadConfig) checkHeader(idx *[numCols]int) (string, bool) {
	for _, k := range requiredCols {
		if idx[k] < 0 && !c.hasSet[k] {
			return CanonicalColumns[k], false
		}
	}
	if idx[colTokenID] < 0 && !c.hasSet[colTokenID] {
		if !(idx[colStandard] < 0 && c.hasSet[colStandard] && strings.EqualFold(c.set[colStandard], "erc20")) {
			return "token_id", false
		}
	}
	return "", true
}

// colErr is a reason tied to a canonical column.
type colErr struct {
	col int
	err error
}

func (e *colErr) Error() string { return e.err.Error() }

// setText parses s (trimmed by the caller; "" = empty or null) into column k of p.
func (c *loadConfig) setText(k int, s string, p *prow) error {
	var err error
	switch k {
	case colChain, colCurrency, colPlatform, colStandard:
		// Invalid bytes would become U+FFFD, merging distinct names.
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: %q is not valid UTF-8", ErrBadValue, clip(strings.ToValidUTF8(s, "\\x??")))
		}
	}
	switch k {
	case colChain:
		if s == "" {
			p.chain = "ethereum"
		} else {
			p.chain = strings.ToLower(s)
		}
	case colBlockTime:
		if s == "" {
			return fmt.Errorf("%w: block_time", ErrMissing)
		}
		p.time, err = parseTime(s, c.layout)
	case colBlockNumber:
		if s != "" {
			p.block, err = parseUint(s, 64)
		}
	case colTxHash:
		if s == "" {
			return fmt.Errorf("%w: tx_hash", ErrMissing)
		}
		p.tx, err = ParseHash(s)
	case colLogIndex:
		if s != "" {
			var v uint64
			v, err = parseUint(s, 32)
			p.logIndex = uint32(v)
		}
	case colContract:
		if s == "" {
			return fmt.Errorf("%w: contract", ErrMissing)
		}
		p.contract, err = ParseAddress(s)
	case colTokenID:
		if s != "" {
			p.token, err = parseTokenID(s)
		}
	case colStandard:
		if s != "" {
			var ok bool
			if p.std, ok = ParseStandard(s); !ok {
				err = fmt.Errorf("%w: token_standard %q is not erc721, erc1155 or erc20", ErrBadValue, clip(s))
			}
		}
	case colSeller:
		if s != "" {
			p.seller, err = ParseAddress(s)
			p.hasSeller = true
		}
	case colBuyer:
		if s != "" {
			p.buyer, err = ParseAddress(s)
			p.hasBuyer = true
		}
	case colTxFrom:
		if s != "" {
			p.txFrom, err = ParseAddress(s)
			p.hasTxFrom = true
		}
	case colAmount:
		if s != "" {
			p.amount, err = parseDecimal(s)
		}
	case colPrice:
		if s == "" {
			return fmt.Errorf("%w: price", ErrMissing)
		}
		p.price, err = parseDecimal(s)
		p.hasPrice = true
	case colPriceUSD:
		if s != "" {
			p.usd, err = parseDecimal(s)
		}
	case colCurrency:
		p.currency = strings.ToUpper(s)
	case colPlatform:
		p.platform = strings.ToLower(s)
	case colIsWash:
		p.label, err = parseLabel(s)
	}
	return err
}

// rawWidth is the length of a raw (binary) value of column k: 20 bytes for
// an address, 32 for a transaction hash, 0 for the other columns.
func rawWidth(k int) int {
	switch k {
	case colContract, colSeller, colBuyer, colTxFrom:
		return 20
	case colTxHash:
		return 32
	}
	return 0
}

// setRaw stores b, the value of a binary column k, when it is a raw address
// or hash (exactly rawWidth(k) bytes, as cryo and other Ethereum tools write
// them), and reports whether it did; any other value is text for setText.
func setRaw(k int, p *prow, b string) bool {
	if len(b) != rawWidth(k) || len(b) == 0 {
		return false
	}
	switch k {
	case colContract:
		copy(p.contract[:], b)
	case colSeller:
		copy(p.seller[:], b)
		p.hasSeller = true
	case colBuyer:
		copy(p.buyer[:], b)
		p.hasBuyer = true
	case colTxFrom:
		copy(p.txFrom[:], b)
		p.hasTxFrom = true
	case colTxHash:
		copy(p.tx[:], b)
	}
	return true
}

// reset sets the defaults of every optional column.
func (p *prow) reset() {
	*p = prow{chain: "ethereum", amount: 1, usd: math.NaN(), label: LabelNone}
}

// finishBlock finishes the parsed rows of blk (see finish), turns a row's
// error into a RowError naming its column and keeps only the error of a bad
// row; row i gets raw0 = raw0 + i, its position in the input.
func finishBlock(blk []prow, raw0 int) {
	for i := range blk {
		p := &blk[i]
		if p.err == nil {
			if ce := finish(p); ce != nil {
				p.err = &RowError{Err: ce.err, Column: CanonicalColumns[ce.col]}
			}
		}
		if p.err != nil {
			*p = prow{err: p.err}
		}
		p.raw0 = int32(raw0 + i)
	}
}

// finish checks the rules that span columns: token_id is required for
// erc721/erc1155 and must be empty for erc20.
func finish(p *prow) *colErr {
	p.tk = tokKeyOf(p.token)
	if p.std == ERC20 {
		if p.token != "" {
			return &colErr{colTokenID, fmt.Errorf("%w: token_id must be empty for erc20, got %s", ErrBadValue, clip(p.token))}
		}
		return nil
	}
	if p.token == "" {
		return &colErr{colTokenID, fmt.Errorf("%w: token_id (required for %s)", ErrMissing, p.std)}
	}
	return nil
}

// textRow parses one row given the value of each file column (values[idx[k]]).
// It returns the failing canonical column and reason, or nil.
func (c *loadConfig) textRow(idx *[numCols]int, values []string, p *prow) *colErr {
	p.reset()
	for k := 0; k < numCols; k++ {
		var s string
		if i := idx[k]; i >= 0 {
			s = trimSpace(values[i])
		} else if c.hasSet[k] {
			s = c.set[k]
		} else {
			switch k {
			case colTokenID, colStandard, colChain, colAmount, colLogIndex, colBlockNumber,
				colCurrency, colPlatform, colPriceUSD, colTxFrom, colIsWash, colSeller, colBuyer:
				continue // defaults from reset
			}
		}
		if err := c.setText(k, s, p); err != nil {
			return &colErr{k, err}
		}
	}
	return finish(p)
}

// trimSpace trims ASCII blanks without allocating.
func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}

// formatFloat renders a float64 as the shortest decimal that reads back equal.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
