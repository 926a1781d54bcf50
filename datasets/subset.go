package datasets

// Subset returns a new table holding rows of t, in the order given (a time
// slice and its halos, for the slice API of package analysis). Its
// dictionaries hold only what those rows use, interned in row order, as if
// the rows had been loaded alone, address ids then sorted (SortAddrs): ids
// are those a load of the same rows gives. Addresses marked unknown stay unknown; Funders keep the first
// funder of every wallet of the subset (funder addresses interned after the
// rows' addresses, as the loader does) and the fan-out of the whole funders
// file; DenyFunders keep the deny-listed
// funders that appear. Files and Origins are kept; Stats count the rows
// as loaded. t is not changed.
func (t *Trades) Subset(rows []int32) *Trades {
	s := NewTrades()
	n := len(rows)
	s.Chain = make([]uint32, n)
	s.Time = make([]int64, n)
	s.Block = make([]uint64, n)
	s.TxHash = make([]Hash, n)
	s.LogIndex = make([]uint32, n)
	s.Asset = make([]AssetID, n)
	s.Standard = make([]Standard, n)
	s.Seller = make([]AddrID, n)
	s.Buyer = make([]AddrID, n)
	s.Amount = make([]float64, n)
	s.Price = make([]float64, n)
	s.Currency = make([]uint32, n)
	s.PriceUSD = make([]float64, n)
	s.Platform = make([]uint32, n)
	s.TxFrom = make([]AddrID, n)
	s.Label = make([]Label, n)
	s.Files = t.Files
	oldOf := []AddrID{NoAddr} // t's id of each of s's addresses
	addr := func(id AddrID) AddrID {
		if id == NoAddr {
			return NoAddr
		}
		nid := s.Addrs.Intern(t.Addrs.Addr(id))
		if int(nid) == len(oldOf) {
			oldOf = append(oldOf, id)
		}
		if t.Addrs.Unknown(id) {
			s.Addrs.MarkUnknown(nid)
		}
		return nid
	}
	for j, r := range rows {
		s.Chain[j] = s.Chains.Intern(t.Chains.Value(t.Chain[r]))
		s.Time[j] = t.Time[r]
		s.Block[j] = t.Block[r]
		s.TxHash[j] = t.TxHash[r]
		s.LogIndex[j] = t.LogIndex[r]
		a := t.Asset[r]
		// The loader interns the contract, then the seller and buyer.
		s.Asset[j] = s.Assets.Intern(addr(t.Assets.Contract[a]), t.Assets.TokenID[a])
		s.Standard[j] = t.Standard[r]
		s.Seller[j] = addr(t.Seller[r])
		s.Buyer[j] = addr(t.Buyer[r])
		s.Amount[j] = t.Amount[r]
		s.Price[j] = t.Price[r]
		s.Currency[j] = s.Currencies.Intern(t.Currencies.Value(t.Currency[r]))
		s.PriceUSD[j] = t.PriceUSD[r]
		s.Platform[j] = s.Platforms.Intern(t.Platforms.Value(t.Platform[r]))
		s.TxFrom[j] = addr(t.TxFrom[r])
		s.Label[j] = t.Label[r]
		s.Origins.Append(t.Origins.At(int(r)))
	}
	s.Stats = LoadStats{RowsRead: int64(n), RowsLoaded: int64(n)}
	s.DenyFunders = map[AddrID]bool{}
	if t.Funders != nil {
		s.Funders = NewFunders()
		if t.Funders.fanout != nil {
			s.Funders.fanout = map[AddrID]int32{}
		}
		nw := s.Addrs.Len()
		for w := 1; w < nw; w++ {
			old := oldOf[w]
			if f := t.Funders.Of(old); f != NoAddr {
				s.Funders.Set(AddrID(w), addr(f), t.Funders.Time(old))
			}
		}
		for old, n := range t.Funders.fanout {
			if id, ok := s.Addrs.Lookup(t.Addrs.Addr(old)); ok {
				s.Funders.fanout[id] = n
			}
		}
	}
	for id := range t.DenyFunders {
		if nid, ok := s.Addrs.Lookup(t.Addrs.Addr(id)); ok {
			s.DenyFunders[nid] = true
		}
	}
	s.SortAddrs()
	return s
}
