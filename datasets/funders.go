package datasets

// Funders maps wallets to their first funder (SPEC §1.2, Dune's first_funded_by).
// Funder addresses are interned into the same Addresses as the trades, so a
// funder that also trades has one id.
type Funders struct {
	funder []AddrID // by wallet id; NoAddr = unknown
	time   []int64  // by wallet id; 0 = not given
	// fanout counts, by funder id, the wallets of the whole funders file
	// it first-funded, those that do not trade included; nil when the
	// table was built by Set alone.
	fanout map[AddrID]int32
}

// FanOut returns how many wallets of the whole funders file funder
// first-funded (whether they trade or not: a global side input, the same
// for every time slice), and whether the count is known (it is for a
// loaded funders file).
func (f *Funders) FanOut(funder AddrID) (int32, bool) {
	if f == nil || f.fanout == nil {
		return 0, false
	}
	return f.fanout[funder], true
}

// NewFunders returns an empty funder table.
func NewFunders() *Funders { return &Funders{} }

// Set records funder as the first funder of wallet (at unix time t, 0 if unknown).
func (f *Funders) Set(wallet, funder AddrID, t int64) {
	for int(wallet) >= len(f.funder) {
		f.funder = append(f.funder, NoAddr)
		f.time = append(f.time, 0)
	}
	f.funder[wallet] = funder
	f.time[wallet] = t
}

// Of returns the first funder of wallet, or NoAddr. A nil *Funders knows none.
func (f *Funders) Of(wallet AddrID) AddrID {
	if f == nil || int(wallet) >= len(f.funder) {
		return NoAddr
	}
	return f.funder[wallet]
}

// Time returns when wallet was first funded (unix seconds), or 0.
func (f *Funders) Time(wallet AddrID) int64 {
	if f == nil || int(wallet) >= len(f.time) {
		return 0
	}
	return f.time[wallet]
}

// Len returns one past the highest wallet id with an entry.
func (f *Funders) Len() int {
	if f == nil {
		return 0
	}
	return len(f.funder)
}
