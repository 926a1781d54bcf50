package chain

import (
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/washscan/washscan/datasets"
)

// Marketplace is a contract whose sale events set the price, currency and
// platform of the transfers they settle. Name is the platform written to
// the rows (lower case).
type Marketplace struct {
	Name    string
	Address datasets.Address
}

func mustAddr(s string) datasets.Address { return datasets.Address(common.HexToAddress(s)) }

// Mainnet contracts with special meaning.
var (
	// MainnetWETH is wrapped ether on Ethereum mainnet.
	MainnetWETH = mustAddr("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2")
	// MainnetBlurPool is Blur's ETH pool token (1:1 with ETH).
	MainnetBlurPool = mustAddr("0x0000000000a39bb272e79075ade125fd351887ac")
	// MainnetCryptoPunks is the CryptoPunks token and market contract.
	MainnetCryptoPunks = mustAddr("0xb47e3cd837ddf8e4c57f05d70ab865de6e193bbb")
)

// DefaultMarketplaces is the built-in list of Ethereum mainnet marketplaces
// whose sale events ingest trusts (docs/contract.md §6): Seaport 1.1–1.6 (OpenSea), the
// CryptoPunks market, LooksRare v1 and v2, Blur (Exchange v1) and X2Y2. A sale
// event from any other address is ignored, since anyone can deploy a contract
// that emits a look-alike OrderFulfilled.
var DefaultMarketplaces = []Marketplace{
	{"opensea", mustAddr("0x00000000006c3852cbef3e08e8df289169ede581")}, // Seaport 1.1
	{"opensea", mustAddr("0x00000000000006c7676171937c444f6bde3d6282")}, // Seaport 1.2
	{"opensea", mustAddr("0x0000000000000ad24e80fd803c6ac37206a45f15")}, // Seaport 1.3
	{"opensea", mustAddr("0x00000000000001ad428e4906ae43d8f9852d0dd6")}, // Seaport 1.4
	{"opensea", mustAddr("0x00000000000000adc04c56bf30ac9d3c0aaf14dc")}, // Seaport 1.5
	{"opensea", mustAddr("0x0000000000000068f116a894984e2db1123eb395")}, // Seaport 1.6
	{"cryptopunks", MainnetCryptoPunks},
	{"looksrare", mustAddr("0x59728544b08ab483533076417fbbb2fd0b17ce3a")}, // LooksRare v1
	{"looksrare", mustAddr("0x0000000000e655fae4d56241588680f86e3b2377")}, // LooksRare v2
	{"blur", mustAddr("0x000000000000ad05ccc4f10045630fb830b95127")},      // Blur Exchange
	{"x2y2", mustAddr("0x74312363e45dcaba76c59ec49a7aa8a65a67eed3")},      // X2Y2
}

// ParseMarketplace parses NAME=ADDR as given to --marketplace.
func ParseMarketplace(s string) (Marketplace, error) {
	name, addr, ok := strings.Cut(s, "=")
	name = strings.ToLower(strings.TrimSpace(name))
	a, err := ParseAddress(strings.TrimSpace(addr))
	if !ok || name == "" || err != nil {
		return Marketplace{}, fmt.Errorf("marketplace %q: want NAME=0xADDRESS", s)
	}
	return Marketplace{name, a}, nil
}

// ParseAddress parses 0x followed by 40 hex digits (any case).
func ParseAddress(s string) (datasets.Address, error) {
	if len(s) != 42 || !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") || !common.IsHexAddress(s) {
		return datasets.Address{}, fmt.Errorf("address %q: %w", s, datasets.ErrBadHex)
	}
	return datasets.Address(common.HexToAddress(s)), nil
}
