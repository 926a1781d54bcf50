package selftrade

import (
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/features"
)

// Detector flags rows whose seller and buyer are the same known wallet.
var Detector = &detect.Detector{
	Name: "self_trade",
	Doc: `flags trades whose seller and buyer are the same known wallet

A row is flagged, with strength 1, when seller = buyer and the address is
known (not empty, not the zero address, not allow-listed).`,
	Run:   run,
	Reach: detect.Instant, // the row itself / its transaction
}

func run(p *detect.Pass) (any, error) {
	fs := p.Features
	addrs := fs.T.Addrs
	for i := 0; i < fs.N; i++ {
		if i&0xffff == 0 && p.Context != nil {
			if err := p.Context.Err(); err != nil {
				return nil, err
			}
		}
		s := fs.Seller[i]
		if s != features.NoWallet && s == fs.Buyer[i] {
			p.Report(int32(i), 1, "seller = buyer = "+addrs.String(s))
		}
	}
	return nil, nil
}
