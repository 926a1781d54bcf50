package datasets

import "math"

// Row returns row i of t as a writer Row. Numbers are rendered as the shortest
// decimal that reads back to the same float64; an empty seller or buyer
// becomes the zero address (both mean unknown).
func (t *Trades) Row(i int) Row {
	r := Row{
		Chain:       t.Chains.Value(t.Chain[i]),
		BlockTime:   t.Time[i],
		BlockNumber: t.Block[i],
		TxHash:      t.TxHash[i],
		LogIndex:    t.LogIndex[i],
		Contract:    t.Addrs.Addr(t.Contract(i)),
		TokenID:     t.Assets.TokenID[t.Asset[i]],
		Standard:    t.Standard[i],
		Seller:      t.Addrs.Addr(t.Seller[i]),
		Buyer:       t.Addrs.Addr(t.Buyer[i]),
		Amount:      formatFloat(t.Amount[i]),
		Price:       formatFloat(t.Price[i]),
		Currency:    t.Currencies.Value(t.Currency[i]),
		Platform:    t.Platforms.Value(t.Platform[i]),
		Label:       t.Label[i],
	}
	if !math.IsNaN(t.PriceUSD[i]) {
		r.PriceUSD = formatFloat(t.PriceUSD[i])
	}
	if id := t.TxFrom[i]; id != NoAddr {
		a := t.Addrs.Addr(id)
		r.TxFrom = &a
	}
	return r
}
