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
// CryptoPunks market, LooksRare v1 and v2, Blur (Exchange v1 and v2), X2Y2 and Element. A sale
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
	{"blur", mustAddr("0xb2ecfe4e4d61f8790bbb9de2d1259b9e2410cea5")},      // Blur Exchange v2
	{"x2y2", mustAddr("0x74312363e45dcaba76c59ec49a7aa8a65a67eed3")},      // X2Y2
	{"element", mustAddr("0x20f780a973856b93f63670377900c1d2a50a77c4")},   // Element
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

// Aggregators names the Ethereum mainnet contracts that route purchases to
// marketplaces (the addresses of Dune's nft_ethereum_aggregators_manual,
// names lower-cased). A sale routed through an address not listed here is
// still told apart (see Ingest); its aggregator_name is then empty.
var Aggregators = map[datasets.Address]string{
	mustAddr("0x0a267cf51ef038fc00e71801f5a524aec06e4f07"): "genie",
	mustAddr("0x2af4b707e1dce8fc345f38cfeeaa2421e54976d5"): "genie",
	mustAddr("0xcdface5643b90ca4b3160dd2b5de80c1bf1cb088"): "genie",
	mustAddr("0x31837aaf36961274a04b915697fdfca1af31a0c7"): "genie",
	mustAddr("0xf97e9727d8e7db7aa8f006d1742d107cf9411412"): "genie",
	mustAddr("0xf24629fbb477e10f2cf331c2b7452d8596b5c7a5"): "gem",
	mustAddr("0x83c8f28c26bf6aaca652df1dbbe0e1b56f8baba2"): "gem",
	mustAddr("0x0000000031f7382a812c64b604da4fc520afef4b"): "gem",
	mustAddr("0x0000000035634b55f3d99b071b5a354f48e10bef"): "gem",
	mustAddr("0x00000000a50bb64b4bbeceb18715748dface08af"): "gem",
	mustAddr("0xae9c73fd0fd237c1c6f66fe009d24ce969e98704"): "gem",
	mustAddr("0x9e97195f937c9372fe5fda5e3b86e9b88cbefed7"): "gem",
	mustAddr("0x539ea5d6ec0093ff6401dbcd14d049c37a77151b"): "gem",
	mustAddr("0xf22007700b8c443bcb36a39580f7804bffdb1169"): "gem",
	mustAddr("0x4326275317acc0fae4aa5c68fce4c54c74dc08d3"): "gem",
	mustAddr("0x29ab6d8f7e3d815168d6b40ebb12625b4fe13998"): "gem",
	mustAddr("0x241b8e59e81455e66b9cd0e2ffb2506be1838144"): "gem",
	mustAddr("0x56dd5bbede9bfdb10a2845c4d70d4a2950163044"): "x2y2",
	mustAddr("0x69cf8871f61fb03f540bc519dd1f1d4682ea0bf6"): "element",
	mustAddr("0xb4e7b8946fa2b35912cc0581772cccd69a33000c"): "element",
	mustAddr("0x39da41747a83aee658334415666f3ef92dd0d541"): "blur",
	mustAddr("0x92701d42e1504ef9fce6d66a2054218b048dda43"): "okx",
	mustAddr("0xc52b521b284792498c1036d4c2ed4b73387b3859"): "reservoir",
	mustAddr("0x5aa9ca240174a54af6d9bfc69214b2ed948de86d"): "reservoir",
	mustAddr("0x7c9733b19e14f37aca367fbd78922c098c55c874"): "reservoir",
	mustAddr("0x8005488ff4f8982d2d8c1d602e6d747b1428dd41"): "reservoir",
	mustAddr("0x9ebfb53fa8526906738856848a27cb11b0285c3f"): "reservoir",
	mustAddr("0x178a86d36d89c7fdebea90b739605da7b131ff6a"): "reservoir",
	mustAddr("0xc2c862322e9c97d6244a3506655da95f05246fd8"): "reservoir",
	mustAddr("0x1ee3151cff01321059e3865214379b85c79ca984"): "magic eden",
	mustAddr("0xef1c6e67703c7bd7107eed8303fbe6ec2554bf6b"): "uniswap",
	mustAddr("0x4c60051384bd2d3c01bfc845cf5f4b44bcbe9de5"): "uniswap",
	mustAddr("0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad"): "uniswap",
	mustAddr("0x00000000005228b791a99a61f36a130d50600106"): "looksrare",
}
