package chain

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/washscan/washscan/datasets"
)

func TestFormatUnits(t *testing.T) {
	for _, tt := range []struct {
		v    string
		dec  int
		want string
	}{
		{"0", 18, "0"},
		{"1", 18, "0.000000000000000001"},
		{"1500000000000000000", 18, "1.5"},
		{"1000000000000000000", 18, "1"},
		{"123456789012345678901234567890", 18, "123456789012.34567890123456789"},
		{"2500000", 6, "2.5"},
		{"2500000", 0, "2500000"},
	} {
		v, _ := new(big.Int).SetString(tt.v, 10)
		if got := formatUnits(v, tt.dec); got != tt.want {
			t.Errorf("formatUnits(%s, %d) = %s, want %s", tt.v, tt.dec, got, tt.want)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tt := range []struct {
		v    int64
		n    int
		want string
	}{
		{10, 3, "[4 3 3]"},
		{11, 3, "[4 4 3]"},
		{2, 5, "[1 1 0 0 0]"},
		{0, 2, "[0 0]"},
		{7, 1, "[7]"},
	} {
		if got := fmt.Sprint(split(big.NewInt(tt.v), tt.n)); got != tt.want {
			t.Errorf("split(%d, %d) = %s, want %s", tt.v, tt.n, got, tt.want)
		}
	}
}

type codeErr struct {
	code int
	msg  string
}

func (e codeErr) Error() string  { return e.msg }
func (e codeErr) ErrorCode() int { return e.code }

var _ rpc.Error = codeErr{}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err  error
		logs bool
		want errKind
	}{
		{codeErr{-32005, "query returned more than 10000 results"}, true, errRange},
		{codeErr{-32005, "daily request count exceeded, request rate limited"}, true, errTransient},
		{codeErr{-32000, "block range is too wide"}, true, errRange},
		{codeErr{-32602, "exceed maximum block range: 50000"}, true, errRange},
		{codeErr{-32000, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"}, true, errRange},
		{codeErr{-32000, "limit exceeded"}, true, errRange},
		{codeErr{-32000, "limit exceeded"}, false, errTransient},
		{codeErr{-32000, "header not found"}, false, errTransient},
		{codeErr{-32601, "the method foo does not exist"}, false, errFatal},
		{codeErr{-32602, "invalid argument 0: hex string without 0x prefix"}, true, errFatal},
		{rpc.HTTPError{StatusCode: 429, Status: "429 Too Many Requests"}, true, errTransient},
		{rpc.HTTPError{StatusCode: 503, Status: "503 Service Unavailable"}, false, errTransient},
		{rpc.HTTPError{StatusCode: 413, Status: "413", Body: []byte("block range too large")}, true, errRange},
		{rpc.HTTPError{StatusCode: 401, Status: "401 Unauthorized"}, false, errFatal},
		{fmt.Errorf("post: %w", errors.New("unexpected EOF")), false, errTransient},
		{fmt.Errorf("x: %w", contextDeadline()), false, errTransient},
	} {
		if got := classify(tt.err, tt.logs); got != tt.want {
			t.Errorf("classify(%v, logs=%v) = %d, want %d", tt.err, tt.logs, got, tt.want)
		}
	}
}

func contextDeadline() error {
	return errDeadline{}
}

type errDeadline struct{}

func (errDeadline) Error() string   { return "context deadline exceeded" }
func (errDeadline) Timeout() bool   { return true }
func (errDeadline) Temporary() bool { return true }

func TestDecodeSymbol(t *testing.T) {
	str := append(append(common.LeftPadBytes([]byte{32}, 32), common.LeftPadBytes([]byte{4}, 32)...), common.RightPadBytes([]byte("usdc"), 32)...)
	for _, tt := range []struct {
		in   []byte
		want string
	}{
		{str, "USDC"},
		{common.RightPadBytes([]byte("MKR"), 32), "MKR"},
		{nil, ""},
		{common.RightPadBytes([]byte("a,b"), 32), ""},
	} {
		if got := decodeSymbol(tt.in); got != tt.want {
			t.Errorf("decodeSymbol(%x) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// fuzzTopics are the event topics the fuzz input picks from.
var fuzzTopics = []common.Hash{TopicTransfer, TopicTransferSingle, TopicTransferBatch, TopicPunkAssign, TopicPunkTransfer,
	TopicPunkBought, TopicOrderFulfilled, TopicLooksRareAsk, TopicLooksRareBid, TopicLooksRareV2Ask, TopicLooksRareV2Bid,
	TopicBlurMatched, TopicX2Y2Inventory, TopicBlurV2Packed, TopicBlurV2TakerFee, TopicBlurV2MakerFee,
	TopicSudoV1In, TopicSudoV1Out, TopicSudoV2In, TopicSudoV2Out, TopicPunkBidEntered, TopicPunkBidWithdrn,
	elementABI.Events["ERC721SellOrderFilled"].ID, elementV2.Events["ERC1155BuyOrderFilled"].ID, TopicBlurV2Exec,
	TopicSudoV2MIn, TopicSudoV2MOut, {}}

// logFromBytes builds a log from fuzz input: the first byte sel picks the
// topic count n = (sel>>4) mod 5 and the event topic (sel&15) + 16*((sel>>4)/5),
// the next 32-byte words are topics, the rest data.
func logFromBytes(b []byte) *types.Log {
	lg := &types.Log{Address: common.Address{1}, Index: 3}
	if len(b) == 0 {
		return lg
	}
	sel, b := b[0], b[1:]
	n := int(sel>>4) % 5
	lg.Topics = append(lg.Topics, fuzzTopics[(int(sel&0x0f)+16*int(sel>>4/5))%len(fuzzTopics)])
	for i := 1; i < n; i++ {
		var h common.Hash
		if len(b) > 0 {
			k := copy(h[:], b)
			b = b[k:]
		}
		lg.Topics = append(lg.Topics, h)
	}
	if n == 0 {
		lg.Topics = nil
	}
	lg.Data = b
	return lg
}

// fuzzSeed encodes e as logFromBytes reads it.
func fuzzSeed(e ev) []byte {
	idx := slices.Index(fuzzTopics, e.topics[0])
	seed := []byte{byte(len(e.topics)+5*(idx/16))<<4 | byte(idx%16)}
	for _, t := range e.topics[1:] {
		seed = append(seed, t[:]...)
	}
	return append(seed, e.data...)
}

func FuzzDecodeLog(f *testing.F) {
	// Seeds: each event well formed (built by the scenario's encoders).
	a, b := common.Address{0xaa}, common.Address{0xbb}
	evs := []ev{
		transfer721(a, a, b, 7), transfer20(a, a, b, big.NewInt(5)), transferSingle(a, a, a, b, 1, 2),
		transferBatch(f, a, a, a, b, []*big.Int{big.NewInt(1), big.NewInt(2)}, []*big.Int{big.NewInt(3), big.NewInt(4)}),
		orderFulfilled(f, a, a, b, []spentItem{{seaERC721, a, big.NewInt(1), big.NewInt(1)}}, []receivedItem{{seaNative, common.Address{}, big.NewInt(0), big.NewInt(9), a}}),
		looksRareV1(f, a, true, a, b, a, a, 1, big.NewInt(5)),
		looksRareV2(f, a, false, a, b, a, a, []*big.Int{big.NewInt(1)}, [3]*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(3)}),
		ordersMatched(f, a, a, b, a, 1, common.Address{}, big.NewInt(4)),
		evInventory(f, a, a, b, common.Address{}, a, 3, big.NewInt(8)),
		punkBought(a, 1, big.NewInt(2), a, b), punkTransfer(a, a, b, 3), punkAssign(a, b, 4),
		blurV2Exec(f, a, "", 0, a, b, big.NewInt(5), 1, big.NewInt(6)), blurV2Exec(f, a, "TakerFee", 1, a, b, big.NewInt(5), 1, big.NewInt(6)),
		blurV2Exec(f, a, "MakerFee", 0, a, b, big.NewInt(5), 1, big.NewInt(6)),
		sudoV2Swap(f, a, true, big.NewInt(7), 1, 2), sudoV2Swap(f, a, false, big.NewInt(7), 3),
		punkBidEv(a, false, 4, big.NewInt(5), b),
		elementFill(f, a, "ERC721SellOrderFilled", a, b, a, b, 1, big.NewInt(2), nil),
		elementFill(f, a, "ERC1155BuyOrderFilled", a, b, a, b, 1, big.NewInt(2), []elementFee{{a, big.NewInt(1)}}),
		blurV2Execution(f, a, 1, a, b, 3, 2, big.NewInt(9)),
	}
	for _, e := range evs {
		if got := logFromBytes(fuzzSeed(e)); !slices.Equal(got.Topics, e.topics) || !bytes.Equal(got.Data, e.data) {
			f.Fatalf("seed of %x does not round-trip", e.topics[0])
		}
		f.Add(fuzzSeed(e))
	}
	f.Add([]byte{0x22, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		lg := logFromBytes(b)
		for _, as721 := range []bool{false, true} {
			ts, err := DecodeTransferAs(lg, as721)
			if err == nil {
				for _, x := range ts {
					if x.Amount == nil || (x.TokenID == nil) != (x.Standard == 2) {
						t.Fatalf("bad transfer %+v", x)
					}
				}
			}
		}
		if p, err := DecodePunk(lg); err == nil && p.Index == nil {
			t.Fatal("punk without index")
		}
		if s, err := DecodeSudoswap(lg); err == nil && s.V2 && (s.Amount == nil || s.Amount.Sign() < 0) {
			t.Fatal("sudoswap v2 swap without amount")
		}
		if s, err := DecodeSale(lg); err == nil {
			for _, it := range s.Items {
				_ = it.TokenID.Sign() // must not be nil
			}
			if s.Price != nil && s.Price.Sign() < 0 {
				t.Fatal("negative price")
			}
		}
	})
}

// TestDecodeSaleRoundTrip decodes what the test encoders build.
func TestDecodeSaleRoundTrip(t *testing.T) {
	a, b := common.Address{0xaa}, common.Address{0xbb}
	for _, tt := range []struct {
		name  string
		e     ev
		items int
		price int64
		cur   common.Address
	}{
		{"seaport listing", orderFulfilled(t, a, a, b, []spentItem{{seaERC721, a, big.NewInt(1), big.NewInt(1)}, {seaERC1155, b, big.NewInt(2), big.NewInt(5)}},
			[]receivedItem{{seaNative, common.Address{}, big.NewInt(0), big.NewInt(9), a}, {seaNative, common.Address{}, big.NewInt(0), big.NewInt(1), b}}), 2, 10, common.Address{}},
		{"seaport mixed currencies", orderFulfilled(t, a, a, b, []spentItem{{seaERC721, a, big.NewInt(1), big.NewInt(1)}},
			[]receivedItem{{seaNative, common.Address{}, big.NewInt(0), big.NewInt(9), a}, {seaERC20, b, big.NewInt(0), big.NewInt(1), b}}), 1, -1, common.Address{}},
		{"looksrare v1", looksRareV1(t, a, false, a, b, b, a, 1, big.NewInt(5)), 1, 5, b},
		{"looksrare v2", looksRareV2(t, a, false, a, b, b, a, []*big.Int{big.NewInt(1), big.NewInt(2)}, [3]*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(3)}), 2, 6, b},
		{"blur", ordersMatched(t, a, a, b, a, 1, b, big.NewInt(4)), 1, 4, b},
		{"x2y2", evInventory(t, a, a, b, common.Address{}, a, 3, big.NewInt(8)), 1, 8, common.Address{}},
	} {
		s, err := DecodeSale(&types.Log{Address: tt.e.addr, Topics: tt.e.topics, Data: tt.e.data})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(s.Items) != tt.items || s.Currency != [20]byte(tt.cur) {
			t.Errorf("%s: %d items currency %s, want %d %s", tt.name, len(s.Items), s.Currency, tt.items, tt.cur)
		}
		if tt.price < 0 && s.Price != nil || tt.price >= 0 && (s.Price == nil || s.Price.Int64() != tt.price) {
			t.Errorf("%s: price %v, want %d", tt.name, s.Price, tt.price)
		}
	}
	// Truncated data is an error, not a panic.
	e := orderFulfilled(t, a, a, b, nil, nil)
	binary.BigEndian.PutUint64(e.data[len(e.data)-8:], 1<<40)
	if _, err := DecodeSale(&types.Log{Topics: e.topics, Data: e.data}); !errors.Is(err, ErrMalformed) {
		t.Errorf("corrupt OrderFulfilled: %v", err)
	}
}

func BenchmarkDecodeTransfer(b *testing.B) {
	a, c := common.Address{0xaa}, common.Address{0xbb}
	e721 := transfer721(a, a, c, 12345)
	batch := transferBatch(b, a, a, a, c, []*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(3)}, []*big.Int{big.NewInt(1), big.NewInt(1), big.NewInt(1)})
	logs := []*types.Log{{Address: a, Topics: e721.topics}, {Address: a, Topics: batch.topics, Data: batch.data}}
	rows := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, lg := range logs {
			ts, _ := DecodeTransfer(lg)
			rows += len(ts)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "trades/s")
}

func BenchmarkDecodeSeaport(b *testing.B) {
	a, c := common.Address{0xaa}, common.Address{0xbb}
	e := orderFulfilled(b, a, a, c, []spentItem{{seaERC721, a, big.NewInt(1), big.NewInt(1)}},
		[]receivedItem{{seaNative, common.Address{}, big.NewInt(0), big.NewInt(9), a}, {seaNative, common.Address{}, big.NewInt(0), big.NewInt(1), c}})
	lg := &types.Log{Address: a, Topics: e.topics, Data: e.data}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeSale(lg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}

// TestBlurV2Layout checks the Blur v2 decoder against the exchange's
// published event signatures and packed-word layout, on events built with
// go-ethereum's ABI packing.
func TestBlurV2Layout(t *testing.T) {
	for sig, topic := range map[string]common.Hash{
		"Execution721Packed(bytes32,uint256,uint256)":                 TopicBlurV2Packed,
		"Execution721TakerFeePacked(bytes32,uint256,uint256,uint256)": TopicBlurV2TakerFee,
		"Execution721MakerFeePacked(bytes32,uint256,uint256,uint256)": TopicBlurV2MakerFee,
	} {
		if crypto.Keccak256Hash([]byte(sig)) != topic {
			t.Errorf("topic of %s", sig)
		}
	}
	trader, coll := common.HexToAddress("0x00000000000000000000000000000000deadbeef"), common.Address{0xc0, 0x11}
	maxID := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 88), big.NewInt(1)) // 88 bits
	maxPrice := new(big.Int).Set(maxID)                                           // 88 bits
	for _, tt := range []struct {
		variant       string
		side          uint8
		id, price     *big.Int
		seller, buyer common.Address
	}{
		{"", 0, big.NewInt(8198), ethv("0.015"), trader, common.Address{}},
		{"TakerFee", 1, big.NewInt(3583), ethv("0.8"), common.Address{}, trader},
		{"MakerFee", 0, maxID, maxPrice, trader, common.Address{}},
	} {
		e := blurV2Exec(t, common.Address{1}, tt.variant, tt.side, trader, coll, tt.id, 255, tt.price)
		s, err := DecodeSale(&types.Log{Topics: e.topics, Data: e.data, Index: 9})
		if err != nil {
			t.Fatalf("%q: %v", tt.variant, err)
		}
		if len(s.Items) != 1 || s.Items[0].Contract != datasets.Address(coll) || s.Items[0].TokenID.Cmp(tt.id) != 0 ||
			s.Price.Cmp(tt.price) != 0 || !s.Currency.IsZero() || s.Seller != datasets.Address(tt.seller) ||
			s.Buyer != datasets.Address(tt.buyer) || s.LogIndex != 9 {
			t.Errorf("%q: %+v", tt.variant, s)
		}
		// A side other than ask (0) or bid (1) and a short log are malformed.
		bad := slices.Clone(e.data)
		bad[64] = 2
		if _, err := DecodeSale(&types.Log{Topics: e.topics, Data: bad}); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q side 2: %v", tt.variant, err)
		}
		if _, err := DecodeSale(&types.Log{Topics: e.topics, Data: e.data[:len(e.data)-1]}); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q short: %v", tt.variant, err)
		}
	}
}

type elementFee struct {
	Recipient common.Address
	Amount    *big.Int
}

// elementFill builds an Element fill event with go-ethereum's ABI packing:
// v2 (with nonce and fees) when fees is not nil.
func elementFill(t testing.TB, c common.Address, name string, maker, taker, currency, nft common.Address, id int64, amount *big.Int, fees []elementFee) ev {
	a, vals := elementABI, []any{maker, taker, currency, amount, nft, big.NewInt(id)}
	if fees != nil {
		a, vals = elementV2, []any{[32]byte{1}, maker, taker, big.NewInt(7), currency, amount, fees, nft, big.NewInt(id)}
	}
	if strings.HasPrefix(name, "ERC1155") {
		vals = append(vals, big.NewInt(3))
	}
	if fees == nil {
		vals = append(vals, [32]byte{1})
	}
	e := a.Events[name]
	return ev{c, []common.Hash{e.ID}, pack(t, e.Inputs.NonIndexed(), vals...)}
}

// TestElementLayout checks the Element decoder against the topics of the
// exchange's published events (both versions) and decodes fills built with
// ABI packing: the price is the amount plus the fees the buyer pays on top.
func TestElementLayout(t *testing.T) {
	published := map[string]string{ // event topics as Element's exchange logs them
		"v1 ERC721SellOrderFilled":  "0x8a0f8e04e7a35efabdc150b7d106308198a4f965a5d11badf768c5b8b273ac94",
		"v1 ERC721BuyOrderFilled":   "0xa24193d56ccdf64ce1df60c80ca683da965a1da3363efa67c14abf62b2d7d493",
		"v1 ERC1155SellOrderFilled": "0x3ae452568bed7ccafe4345f10048675bae78660c7ea37eb5112b572648d4f116",
		"v1 ERC1155BuyOrderFilled":  "0x020486beb4ea38db8dc504078b03c4f758de372097584b434a8b8f53583eecac",
		"v2 ERC721SellOrderFilled":  "0x9c248aa1a265aa616f707b979d57f4529bb63a4fc34dc7fc61fdddc18410f74e",
		"v2 ERC721BuyOrderFilled":   "0xd90a5c60975c6ff8eafcf02088e7b50ae5d9e156a79206ba553df1c4fb4594c2",
		"v2 ERC1155BuyOrderFilled":  "0x105616901449a64554ca9246a5bbcaca973b40b3c0055e5070c6fa191618d9f3",
		"v2 ERC1155SellOrderFilled": "0xfcde121a3f6a9b14a3ce266d61fc00940de86c4d8c1d733fe62d503ae5d99ff9",
	}
	for k, h := range published {
		v, name, _ := strings.Cut(k, " ")
		a := elementABI
		if v == "v2" {
			a = elementV2
		}
		if a.Events[name].ID != common.HexToHash(h) {
			t.Errorf("%s: topic %s, published %s", k, a.Events[name].ID.Hex(), h)
		}
	}
	maker, taker, nft, weth := common.Address{0x11}, common.Address{0x22}, common.Address{0x33}, common.Address{0x44}
	native := common.Address(ElementNative)
	for _, tt := range []struct {
		name          string
		cur           common.Address
		fees          []elementFee
		price         string
		seller, buyer common.Address
	}{
		{"ERC721SellOrderFilled", native, nil, "1", maker, taker},
		{"ERC721BuyOrderFilled", weth, nil, "1", taker, maker},
		{"ERC721SellOrderFilled", native, []elementFee{{common.Address{9}, ethv("0.02")}, {common.Address{8}, ethv("0.05")}}, "1.07", maker, taker},
		{"ERC1155BuyOrderFilled", weth, []elementFee{}, "1", taker, maker},
		{"ERC1155SellOrderFilled", native, nil, "1", maker, taker},
	} {
		e := elementFill(t, common.Address{1}, tt.name, maker, taker, tt.cur, nft, 42, ethv("1"), tt.fees)
		s, err := DecodeSale(&types.Log{Topics: e.topics, Data: e.data})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		wantCur := datasets.Address(tt.cur)
		if tt.cur == native {
			wantCur = datasets.Address{}
		}
		if len(s.Items) != 1 || s.Items[0].Contract != datasets.Address(nft) || s.Items[0].TokenID.Int64() != 42 ||
			formatUnits(s.Price, 18) != tt.price || s.Currency != wantCur || s.Seller != datasets.Address(tt.seller) || s.Buyer != datasets.Address(tt.buyer) {
			t.Errorf("%s fees %v: %+v price %s", tt.name, tt.fees, s, formatUnits(s.Price, 18))
		}
	}
}

// TestAmbiguousTransfer: the shapes that fit ERC-20 and an early ERC-721.
func TestAmbiguousTransfer(t *testing.T) {
	a, b := common.Address{0xaa}, common.Address{0xbb}
	flat := append(append(addrTopic(a).Bytes(), addrTopic(b).Bytes()...), word(big.NewInt(9))...)
	for _, tt := range []struct {
		name      string
		lg        types.Log
		ambiguous bool
		err       bool
	}{
		{"erc721", types.Log{Topics: []common.Hash{TopicTransfer, addrTopic(a), addrTopic(b), intTopic(9)}}, false, false},
		{"3 topics", types.Log{Topics: []common.Hash{TopicTransfer, addrTopic(a), addrTopic(b)}, Data: word(big.NewInt(9))}, true, false},
		{"1 topic", types.Log{Topics: []common.Hash{TopicTransfer}, Data: flat}, true, false},
		{"1 topic, dirty address word", types.Log{Topics: []common.Hash{TopicTransfer}, Data: append([]byte{1}, flat[1:]...)}, true, true},
		{"1 topic, 64 bytes", types.Log{Topics: []common.Hash{TopicTransfer}, Data: flat[:64]}, false, true},
	} {
		if got := AmbiguousTransfer(&tt.lg); got != tt.ambiguous {
			t.Errorf("%s: ambiguous %v", tt.name, got)
		}
		for _, as721 := range []bool{false, true} {
			ts, err := DecodeTransferAs(&tt.lg, as721)
			if (err != nil) != tt.err {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if err != nil {
				continue
			}
			x := ts[0]
			want721 := as721 || !tt.ambiguous
			if x.From != datasets.Address(a) || x.To != datasets.Address(b) || (x.Standard == datasets.ERC721) != want721 ||
				want721 && (x.TokenID.Int64() != 9 || x.Amount.Int64() != 1) || !want721 && x.Amount.Int64() != 9 {
				t.Errorf("%s as721=%v: %+v", tt.name, as721, x)
			}
		}
	}
}

// TestBlendLayout checks the Blend event signatures against topics Blend logs.
func TestBlendLayout(t *testing.T) {
	for name, h := range map[string]string{
		"Refinance": "0x558a9295c62e9e1b12a21c8fe816f4816a2e0269a53157edbfa16017b11b9ac9",
		"BuyLocked": "0x7ffb5bd9cdc79a6f9bc6e00c82f43836e0afbb204d47972001f6e853764a8ef1",
	} {
		if got := blendABI.Events[name].ID; got != common.HexToHash(h) {
			t.Errorf("%s: topic %s, published %s", name, got.Hex(), h)
		}
	}
	// A malformed LoanOfferTaken from Blend is a bad log.
	blend := datasets.Address{0xb1}
	e := blendEv(t, common.Address(blend), "LoanOfferTaken", common.Address{1}, 5, common.Address{2}, common.Address{3})
	lg := &types.Log{Address: e.addr, Topics: e.topics, Data: e.data[:40]}
	if _, bad, err := readBlend(blend, []*types.Log{lg}); bad != lg || !errors.Is(err, ErrMalformed) {
		t.Errorf("short LoanOfferTaken: %v", err)
	}
	bt, _, err := readBlend(blend, []*types.Log{{Address: e.addr, Topics: e.topics, Data: e.data}})
	if err != nil || !bt.any || len(bt.owners) != 1 || bt.owners[0].party != (datasets.Address{2}) || bt.owners[0].item.TokenID.Int64() != 5 {
		t.Errorf("LoanOfferTaken: %+v %v", bt, err)
	}
}

// TestSudoswapLayout checks the Sudoswap decoders against the topics pairs
// log, and decodes v2 swaps built with ABI packing.
func TestSudoswapLayout(t *testing.T) {
	for _, tt := range []struct {
		topic common.Hash
		want  string
	}{
		{TopicSudoV2In, "0x7a0e7e58d91fd23a96b0008604db1b2d1cee4aae434e3aad9a20fdd7c0995f89"},
		{TopicSudoV2Out, "0xa13c46268c53408442d94eb370f2e476cb7f0fbe027ae5bad73ce13d4469c8b9"},
		{TopicSudoV2MIn, "0x58e7e2e8d4c949c019e4fe5f6e2a8f10e4e078a8747730386e9a230da8c969f0"},
		{TopicSudoV2MOut, "0xd9c2402e1a067734ae78dab98f06d5b28e8a2d2c6370ec0e6ff8cc2749d050f1"},
		{TopicSudoV1In, crypto.Keccak256Hash([]byte("SwapNFTInPair()")).Hex()},
		{TopicSudoV1Out, crypto.Keccak256Hash([]byte("SwapNFTOutPair()")).Hex()},
	} {
		if tt.topic != common.HexToHash(tt.want) {
			t.Errorf("topic %s, published %s", tt.topic.Hex(), tt.want)
		}
	}
	e := sudoV2Swap(t, common.Address{1}, true, ethv("1.5"), 10, 11)
	s, err := DecodeSudoswap(&types.Log{Topics: e.topics, Data: e.data})
	if err != nil || !s.V2 || !s.Out || formatUnits(s.Amount, 18) != "1.5" || len(s.IDs) != 2 || s.IDs[1].Int64() != 11 {
		t.Errorf("v2 buy: %+v %v", s, err)
	}
	if _, err := DecodeSudoswap(&types.Log{Topics: e.topics, Data: e.data[:70]}); !errors.Is(err, ErrMalformed) {
		t.Errorf("short v2 swap: %v", err)
	}
	if sel := crypto.Keccak256([]byte("nftId()"))[:4]; !bytes.Equal(sel, selNFTID) {
		t.Errorf("nftId() selector %x", selNFTID)
	}
	for sig, sel := range map[string][]byte{"pairVariant()": selPairVariant, "nft()": selNFT, "token()": selToken,
		"isValidPair(address)": selIsValidPair, "isPair(address,uint8)": selIsPair} {
		if !bytes.Equal(crypto.Keccak256([]byte(sig))[:4], sel) {
			t.Errorf("%s selector %x", sig, sel)
		}
	}
	if _, err := DecodeSudoswap(&types.Log{Topics: []common.Hash{TopicSudoV1Out}, Data: []byte{1}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("v1 swap with data: %v", err)
	}
}

type blurFeeRate struct {
	Recipient common.Address
	Rate      uint16
}

// blurV2Execution builds Blur v2's unpacked Execution event with ABI packing.
func blurV2Execution(t testing.TB, c common.Address, side uint8, trader, coll common.Address, id, amount int64, price *big.Int) ev {
	type transfer struct {
		Trader     common.Address
		Id         *big.Int
		Amount     *big.Int
		Collection common.Address
		AssetType  uint8
	}
	type fees struct {
		ProtocolFee blurFeeRate
		TakerFee    blurFeeRate
	}
	e := blurV2ABI.Events["Execution"]
	return ev{c, []common.Hash{e.ID}, pack(t, e.Inputs.NonIndexed(), transfer{trader, big.NewInt(id), big.NewInt(amount), coll, 1},
		[32]byte{3}, big.NewInt(0), price, blurFeeRate{common.Address{8}, 50}, fees{blurFeeRate{common.Address{9}, 0}, blurFeeRate{}}, side)}
}

// TestBlurV2Execution: the unpacked execution against the topic the
// exchange logs, a listing and a bid.
func TestBlurV2Execution(t *testing.T) {
	if TopicBlurV2Exec != common.HexToHash("0xf2f66294df6fae7ac681cbe2f6d91c6904485929679dce263e8f6539b7d5c559") {
		t.Errorf("Execution topic %s", TopicBlurV2Exec.Hex())
	}
	trader, coll := common.Address{0x7a}, common.Address{0xc0}
	for side, want := range map[uint8][2]datasets.Address{0: {datasets.Address(trader), {}}, 1: {{}, datasets.Address(trader)}} {
		e := blurV2Execution(t, common.Address{1}, side, trader, coll, 9, 4, ethv("0.8"))
		s, err := DecodeSale(&types.Log{Topics: e.topics, Data: e.data})
		if err != nil || len(s.Items) != 1 || s.Items[0].TokenID.Int64() != 9 || s.Items[0].Contract != datasets.Address(coll) ||
			formatUnits(s.Price, 18) != "0.8" || !s.Currency.IsZero() || s.Seller != want[0] || s.Buyer != want[1] {
			t.Errorf("side %d: %+v %v", side, s, err)
		}
	}
	e := blurV2Execution(t, common.Address{1}, 2, trader, coll, 9, 4, ethv("0.8"))
	if _, err := DecodeSale(&types.Log{Topics: e.topics, Data: e.data}); !errors.Is(err, ErrMalformed) {
		t.Errorf("order type 2: %v", err)
	}
}
