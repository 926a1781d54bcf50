package funder

import (
	"fmt"
	"reflect"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/features"
)

// The parameters of Detector.
var paramMaxFanout = &detect.Param{Name: "max_fanout", Doc: "a funder of more than this many wallets links nobody (0: no limit)", Kind: detect.Int, Default: "20"}

// Detector flags trades whose buyer and seller are linked by first funders.
var Detector = &detect.Detector{
	Name: "common_funder",
	Doc: `Buyer and seller share a first funder, or one of them funded the other.

A funder of more than max_fanout wallets (an exchange, a bridge) links nobody,
nor does one in --deny-funders. Strength 0.6 for a shared funder, 0.8 when one
side funded the other. Needs --funders.`,
	Params:     []*detect.Param{paramMaxFanout},
	Run:        run,
	Reach:      detect.Instant, // the row's two wallets; funders and fan-out are side inputs
	ResultType: reflect.TypeOf((*Linker)(nil)),
}

// Strengths of the two kinds of link.
const (
	SharedStrength = 0.6
	DirectStrength = 0.8
)

// Kind is how two wallets are linked.
type Kind uint8

// Link kinds.
const (
	None   Kind = iota
	Shared      // both first funded by Via
	SellerFundedBuyer
	BuyerFundedSeller
)

// Linker answers whether two wallets are linked by first funders under the
// fan-out rule. A nil *Linker links nobody.
type Linker struct {
	addrs  *datasets.Addresses
	funder []uint32 // effective funder by wallet id; NoWallet when none counts
}

// NewLinker returns the linker of the funders fu over the addresses of f,
// ignoring deny-listed funders, unknown addresses and funders of more than
// maxFanout wallets (maxFanout ≤ 0: no limit). The fan-out is fu.FanOut,
// counted over the whole funders file, when known (a loaded file), else
// over the wallets of f. Time O(F + A).
func NewLinker(f *features.Set, fu *datasets.Funders, deny map[datasets.AddrID]bool, maxFanout int) *Linker {
	addrs := f.T.Addrs
	n := min(fu.Len(), addrs.Len())
	fanout := make([]int32, addrs.Len())
	for w := 0; w < n; w++ {
		if fr := fu.Of(uint32(w)); fr != datasets.NoAddr && int(fr) < len(fanout) {
			fanout[fr]++
		}
	}
	l := &Linker{addrs: addrs, funder: make([]uint32, n)}
	for w := 0; w < n; w++ {
		fr := fu.Of(uint32(w))
		if fr == datasets.NoAddr || int(fr) >= len(fanout) || addrs.Unknown(fr) || addrs.Unknown(uint32(w)) || deny[fr] {
			continue
		}
		out := fanout[fr]
		if g, ok := fu.FanOut(fr); ok {
			out = g // the whole funders file's count: the same in every slice
		}
		if maxFanout > 0 && int(out) > maxFanout {
			continue
		}
		l.funder[w] = fr
	}
	return l
}

// Funder returns the first funder of wallet w that counts, or NoWallet.
func (l *Linker) Funder(w uint32) uint32 {
	if l == nil || int(w) >= len(l.funder) {
		return features.NoWallet
	}
	return l.funder[w]
}

// Link reports how seller s and buyer b are linked, and through which
// funder (for Shared) . Unknown wallets are never linked.
func (l *Linker) Link(s, b uint32) (Kind, uint32) {
	if l == nil || !features.Known(s) || !features.Known(b) {
		return None, 0
	}
	fs, fb := l.Funder(s), l.Funder(b)
	switch {
	case features.Known(fb) && fb == fs:
		return Shared, fb
	case fb == s:
		return SellerFundedBuyer, s
	case fs == b:
		return BuyerFundedSeller, b
	}
	return None, 0
}

// Evidence describes the link between seller s and buyer b.
func (l *Linker) Evidence(k Kind, s, b, via uint32) string {
	a := l.addrs
	switch k {
	case Shared:
		return "buyer and seller both first funded by " + a.String(via)
	case SellerFundedBuyer:
		return fmt.Sprintf("seller %s funded buyer %s", a.String(s), a.String(b))
	case BuyerFundedSeller:
		return fmt.Sprintf("buyer %s funded seller %s", a.String(b), a.String(s))
	}
	return ""
}

func run(p *detect.Pass) (any, error) {
	if p.Funders == nil {
		return (*Linker)(nil), nil
	}
	f := p.Features
	l := NewLinker(f, p.Funders, p.DenyFunders, p.Int(paramMaxFanout))
	// A link's evidence depends only on its kind and wallets (the funder
	// alone for Shared), and one link flags many rows: each distinct
	// evidence is built once, its string shared by those rows.
	evidence := map[[3]uint32]string{}
	for i := 0; i < f.N; i++ {
		s, b := f.Seller[i], f.Buyer[i]
		if s == b {
			continue // a self trade is self_trade's business
		}
		k, via := l.Link(s, b)
		if k == None {
			continue
		}
		key, strength := [3]uint32{uint32(k), s, b}, DirectStrength
		if k == Shared {
			key, strength = [3]uint32{uint32(k), via, 0}, SharedStrength
		}
		ev, ok := evidence[key]
		if !ok {
			ev = l.Evidence(k, s, b, via)
			evidence[key] = ev
		}
		p.Report(int32(i), strength, ev)
	}
	return l, nil
}
