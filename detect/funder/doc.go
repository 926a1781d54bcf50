// Package funder holds the common_funder detector: buyer and seller of a
// trade share a first funder, or one of them funded the other (SPEC §1.2).
//
// Wallets that an operator creates for wash trading are typically funded from
// one address, so a first-funder link between the two sides of a trade is a
// sign that they are one party. It is weak evidence on its own — friends
// trade, and many honest wallets are funded by the same exchange — so the
// strength is moderate (0.6 for a shared funder, 0.8 when one side funded the
// other) and the scoring weights combine it with other signals.
//
// Fan-out rule: a funder that first-funded more than max_fanout wallets
// (counted over every wallet of the funders file, trading or not: a side
// input, the same for every time slice) is treated as a hub — an exchange
// hot wallet, a bridge, a faucet — and links nobody. The default, 20, sits
// far above the handful of wallets one wash operator funds and far below the
// thousands an exchange funds; set it to 0 to switch the rule off. Funders in
// --deny-funders, and unknown addresses, never link in any case.
//
// The detector's result is a [*Linker], which other detectors (price_anomaly)
// read to apply the same rule. Time O(N + F) for N trades and F funder
// entries; memory O(A) for A addresses.
package funder
