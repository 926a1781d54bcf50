// Package datasets loads trade histories into columns and writes them back out.
//
// A dataset is a [Trades] table: one row per sale or transfer, stored column-wise
// with addresses, assets and short strings interned to dense integer ids. Address
// ids are the node ids of every graph later in the pipeline. The layout of each
// column is Arrow's (fixed-width values, no per-row allocation). Parquet is
// read through pqarrow into Arrow record batches; [CanonicalSchema] is the
// Arrow schema of docs/contract.md §1.1 that the writers emit.
package datasets

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"

	"github.com/washscan/washscan/datasets/internal/hex0x"
)

// Address is a 20-byte EVM address.
type Address [20]byte

// Hash is a 32-byte transaction hash.
type Hash [32]byte

// String returns the address as 0x followed by 40 lower-case hex digits.
func (a Address) String() string { return "0x" + hex.EncodeToString(a[:]) }

// IsZero reports whether a is the zero address.
func (a Address) IsZero() bool { return a == Address{} }

// String returns the hash as 0x followed by 64 lower-case hex digits.
func (h Hash) String() string { return "0x" + hex.EncodeToString(h[:]) }

// AppendHex appends 0x and the lower-case hex digits of p to b: an address's
// or a hash's String form when p is one, without a string allocation (with
// AVX2 on amd64, about 5 ns for either).
func AppendHex(b, p []byte) []byte { return hex0x.Append(b, p) }

// AddrID is the dense id of an address within one dataset.
// NoAddr (0) stands for a missing (empty) address.
type AddrID = uint32

// NoAddr is the id of an empty address field.
const NoAddr AddrID = 0

// AssetID is the dense id of an asset: a (contract, token_id) pair.
// An ERC-20 contract is one asset with an empty token id.
type AssetID = uint32

// Standard is the token standard of a row.
type Standard uint8

// Token standards, docs/contract.md §1.1.
const (
	ERC721 Standard = iota
	ERC1155
	ERC20
)

var standardNames = [...]string{"erc721", "erc1155", "erc20"}

func (s Standard) String() string {
	if int(s) < len(standardNames) {
		return standardNames[s]
	}
	return "invalid"
}

// ParseStandard parses erc721, erc1155 or erc20 (any case).
func ParseStandard(s string) (Standard, bool) {
	for i, n := range standardNames {
		if strings.EqualFold(s, n) {
			return Standard(i), true
		}
	}
	return 0, false
}

// Label is the ground-truth is_wash label of a row: LabelNone when absent.
type Label int8

// Labels.
const (
	LabelNone    Label = -1
	LabelOrganic Label = 0
	LabelWash    Label = 1
)

// Addresses interns addresses to dense ids. Id 0 is the empty address.
// An id can be marked unknown (the zero address, allow-listed escrow
// contracts): such an address still prints, but is never a wallet, a graph
// node, a funder link or one side of a self-trade. The index is a
// pointer-free open-addressing table: Intern and Lookup are O(1) expected.
// Once the ids are in address order (Trades.SortAddrs) the index is dropped
// (24 bytes a slot, 10 bytes a trade at 10M trades) and Lookup searches the
// sorted list, O(log n); the next Intern rebuilds the index.
type Addresses struct {
	list    []Address
	unknown []bool
	index   addrIndex
	sorted  bool // list[1:] is in increasing order and index is empty
}

// NewAddresses returns an empty dictionary holding only the empty address.
func NewAddresses() *Addresses {
	return &Addresses{list: make([]Address, 1), unknown: []bool{true}}
}

// Intern returns the id of a, adding it if new. The zero address is marked unknown.
func (d *Addresses) Intern(a Address) AddrID {
	return d.intern(&a, hashAddr(&a))
}

// intern is Intern with the hash of a precomputed.
func (d *Addresses) intern(a *Address, h uint64) AddrID {
	if d.sorted {
		d.unsort()
	}
	if d.index.n+1 > len(d.index.slots)*5/8 {
		d.index.grow(d.index.n + 1)
	}
	id, slot := d.index.find(a, h)
	if id != 0 {
		return id
	}
	id = AddrID(len(d.list))
	d.list = append(d.list, *a)
	d.unknown = append(d.unknown, a.IsZero())
	d.index.slots[slot] = addrSlot{*a, id}
	d.index.n++
	return id
}

// reserve makes room for n more addresses without rehashing.
func (d *Addresses) reserve(n int) {
	if d.sorted {
		d.unsort()
	}
	d.index.grow(d.index.n + n)
	d.list = reserveCap(d.list, n)
	d.unknown = reserveCap(d.unknown, n)
}

// Lookup returns the id of a if it has been interned.
func (d *Addresses) Lookup(a Address) (AddrID, bool) {
	if d.sorted {
		lo, hi := 1, len(d.list) // search list[lo:hi]
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if c := bytes.Compare(d.list[m][:], a[:]); c == 0 {
				return AddrID(m), true
			} else if c < 0 {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return 0, false
	}
	id, _ := d.index.find(&a, hashAddr(&a))
	return id, id != 0
}

// unsort rebuilds the index a sorted dictionary dropped, before an address
// is added.
func (d *Addresses) unsort() {
	d.sorted = false
	d.index = addrIndex{}
	d.index.grow(len(d.list))
	mask := uint64(len(d.index.slots) - 1)
	for id := 1; id < len(d.list); id++ {
		a := &d.list[id]
		i := hashAddr(a) & mask
		for d.index.slots[i].id != 0 {
			i = (i + 1) & mask
		}
		d.index.slots[i] = addrSlot{*a, AddrID(id)}
	}
	d.index.n = len(d.list) - 1
}

// Len returns the number of ids, including the empty address.
func (d *Addresses) Len() int { return len(d.list) }

// Addr returns the address of id (the zero address for NoAddr).
func (d *Addresses) Addr(id AddrID) Address { return d.list[id] }

// String returns the 0x form of id, or "" for NoAddr.
func (d *Addresses) String(id AddrID) string {
	if id == NoAddr {
		return ""
	}
	return d.list[id].String()
}

// AppendString appends String(id) to b without allocating.
func (d *Addresses) AppendString(b []byte, id AddrID) []byte {
	if id == NoAddr {
		return b
	}
	return AppendHex(b, d.list[id][:])
}

// Unknown reports whether id stands for an unknown party (docs/contract.md §1.1, §1.3).
func (d *Addresses) Unknown(id AddrID) bool { return d.unknown[id] }

// MarkUnknown makes id an unknown party. The loader does it for the
// addresses of LoadOptions.Allow; tests build tables by hand with it.
func (d *Addresses) MarkUnknown(id AddrID) { d.unknown[id] = true }

// Dict interns short strings (chain, currency, platform) to dense ids; id 0 is "".
type Dict struct {
	list  []string
	index map[string]uint32
}

// NewDict returns a dictionary holding only "".
func NewDict() *Dict { return &Dict{list: []string{""}, index: map[string]uint32{"": 0}} }

// Intern returns the id of s, adding it if new.
func (d *Dict) Intern(s string) uint32 {
	if id, ok := d.index[s]; ok {
		return id
	}
	id := uint32(len(d.list))
	d.list = append(d.list, s)
	d.index[s] = id
	return id
}

// Lookup returns the id of s if interned.
func (d *Dict) Lookup(s string) (uint32, bool) { id, ok := d.index[s]; return id, ok }

// Value returns the string of id.
func (d *Dict) Value(id uint32) string { return d.list[id] }

// Len returns the number of ids, including "".
func (d *Dict) Len() int { return len(d.list) }

// Assets interns (contract, token_id) pairs. Token ids are kept in canonical
// decimal form (no leading zeros); an ERC-20 asset has token id "". Internally
// a token id of up to 19 digits is a uint64 and longer ones live in one byte
// arena, so the index holds no pointers; TokenID holds the decimal strings.
type Assets struct {
	Contract []AddrID
	TokenID  []string

	rec   []assetRec // compact (contract, token id) of each asset
	raw   []byte     // arena of tokRaw token ids
	slots []uint64   // open-addressing index over rec; rebuilt on demand
}

// NewAssets returns an empty asset dictionary.
func NewAssets() *Assets { return &Assets{} }

// Intern returns the id of (contract, tokenID), adding it if new.
func (a *Assets) Intern(contract AddrID, tokenID string) AssetID {
	a.materialize()
	a.growIndex(len(a.rec) + 1)
	k := tokKeyOf(tokenID)
	id := a.internKey(contract, k, []byte(tokenID))
	if int(id) == len(a.TokenID) {
		a.Contract = append(a.Contract, contract)
		a.TokenID = append(a.TokenID, tokenID)
	}
	return id
}

// Lookup returns the id of (contract, tokenID) if interned.
func (a *Assets) Lookup(contract AddrID, tokenID string) (AssetID, bool) {
	a.growIndex(len(a.rec))
	k := tokKeyOf(tokenID)
	return a.lookupKey(contract, &k, []byte(tokenID))
}

// Len returns the number of assets.
func (a *Assets) Len() int { return len(a.Contract) }

// CompareTokenIDs orders canonical decimal token ids numerically.
func CompareTokenIDs(x, y string) int {
	if len(x) != len(y) {
		if len(x) < len(y) {
			return -1
		}
		return 1
	}
	return strings.Compare(x, y)
}

// LoadStats accounts for every row read: RowsRead = RowsLoaded + RowsRejected + RowsDuplicate.
type LoadStats struct {
	RowsRead      int64 `json:"rows_read"`
	RowsLoaded    int64 `json:"rows_loaded"`
	RowsRejected  int64 `json:"rows_rejected"`
	RowsDuplicate int64 `json:"rows_duplicate"`
}

// Trades is a loaded dataset, column-wise. Row i of every column is trade i, in
// input order (files in the order given, rows in file order).
type Trades struct {
	Chain    []uint32   // id in Chains
	Time     []int64    // block_time, unix seconds UTC
	Block    []uint64   // block_number; 0 when not given
	TxHash   []Hash     // tx_hash
	LogIndex []uint32   // log_index (default 0)
	Asset    []AssetID  // (contract, token_id) id in Assets
	Standard []Standard // token_standard
	Seller   []AddrID   // seller id in Addrs (NoAddr when empty)
	Buyer    []AddrID   // buyer id in Addrs (NoAddr when empty)
	Amount   []float64  // amount (default 1)
	Price    []float64  // price in Currency units
	Currency []uint32   // id in Currencies, upper-cased; 0 when not given (native)
	PriceUSD []float64  // price_usd; NaN when not given
	Platform []uint32   // id in Platforms, lower-cased; 0 when not given
	TxFrom   []AddrID   // tx_from; NoAddr when not given
	Label    []Label    // is_wash ground truth; LabelNone when not given

	// Origins are the file (index in Files) and the line (CSV, JSON
	// Lines) or row (Parquet) in it, 1-based, of each row, kept for error
	// messages and evidence; stored as runs of consecutive lines.
	Origins Origins

	Addrs      *Addresses
	Assets     *Assets
	Chains     *Dict
	Currencies *Dict
	Platforms  *Dict

	Files []string // input files, as named on the command line
	Stats LoadStats

	// Funders are the first funders of wallets (LoadOptions.Funders); nil
	// when none were given.
	Funders *Funders
	// DenyFunders holds the ids of funders that never link wallets
	// (LoadOptions.DenyFunders); empty when none were given.
	DenyFunders map[AddrID]bool
}

// NewTrades returns an empty table with fresh dictionaries.
func NewTrades() *Trades {
	return &Trades{
		Addrs: NewAddresses(), Assets: NewAssets(),
		Chains: NewDict(), Currencies: NewDict(), Platforms: NewDict(),
	}
}

// Len returns the number of rows.
func (t *Trades) Len() int { return len(t.Time) }

// Contract returns the contract address id of row i.
func (t *Trades) Contract(i int) AddrID { return t.Assets.Contract[t.Asset[i]] }

// HasUSD reports whether row i has a price_usd.
func (t *Trades) HasUSD(i int) bool { return !math.IsNaN(t.PriceUSD[i]) }

// NativeCurrencies lists, per chain (Dune spelling), the currency symbols that
// count toward volume: the native coin and its wrapped form (docs/contract.md §1.1).
var NativeCurrencies = map[string][]string{
	"ethereum":    {"ETH", "WETH"},
	"base":        {"ETH", "WETH"},
	"arbitrum":    {"ETH", "WETH"},
	"optimism":    {"ETH", "WETH"},
	"zksync":      {"ETH", "WETH"},
	"linea":       {"ETH", "WETH"},
	"scroll":      {"ETH", "WETH"},
	"blast":       {"ETH", "WETH"},
	"zora":        {"ETH", "WETH"},
	"polygon":     {"POL", "MATIC", "WPOL", "WMATIC"},
	"bnb":         {"BNB", "WBNB"},
	"avalanche_c": {"AVAX", "WAVAX"},
	"gnosis":      {"XDAI", "WXDAI"},
	"fantom":      {"FTM", "WFTM"},
	"celo":        {"CELO", "WCELO"},
	"ronin":       {"RON", "WRON"},
	"solana":      {"SOL", "WSOL"},
	"nova":        {"ETH", "WETH"},
	"mantle":      {"MNT", "WMNT"},
}

// IsNative reports whether currency (upper-cased; "" = not given, meaning
// native) counts toward volume on chain.
func IsNative(chain, currency string) bool {
	if currency == "" {
		return true
	}
	for _, c := range NativeCurrencies[chain] {
		if c == currency {
			return true
		}
	}
	return false
}
