// Package selftrade provides the self_trade detector: a trade whose seller and
// buyer are the same known wallet.
//
// Such a trade moves nothing between owners; whatever it pays is fake volume
// (and, on marketplaces that reward volume, a way to farm rewards). Unknown
// parties (empty, zero or allow-listed addresses, see features.NoWallet) never
// count, so a transfer between two unknown ends is not a self-trade.
//
// Every matching row is reported with strength 1 and evidence
// "seller = buyer = 0x…". Time O(N), no allocation besides the findings.
package selftrade
