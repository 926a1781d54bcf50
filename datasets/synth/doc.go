// Package synth generates labeled synthetic NFT and ERC-20 markets: canonical
// trade rows (docs/contract.md §1.1) with the ground-truth is_wash label of docs/contract.md §5, and
// the first funder of every wallet (docs/contract.md §1.2). `washscan synth` and the
// embedded sample market (package datasets/sample) are built on it, and
// bench and tests call [Generate] in-process.
//
// # Determinism and cost
//
// A market is a pure function of its [Config]: the same Config yields the
// same rows in the same order, and so byte-identical files through
// [datasets.CreateWriter]. Every random draw comes from one PCG stream seeded
// by Config.Seed, consumed in a fixed order; addresses and transaction hashes
// are derived by hashing (seed, kind, counter) with a bijective mixer, so they
// are unique without being stored. Generation streams: time is O(Trades);
// memory is O(Tokens + Wallets + campaigns in flight) — one owner and one lock
// per NFT, one bit per organic wallet, a funder record per wash wallet and the
// ERC-20 balances of wallets that hold some — and does not grow with Trades.
//
// # The organic market
//
// Time runs from Config.Start over Config.Days. Organic ticks arrive as a
// Poisson process (exponential gaps, mean Days·86400 / (Trades·(1−0.9·w)),
// w = WashShare); wash campaigns schedule their own legs on the same clock, so
// rows come out in time order per chain. A row's block_time is its block's
// time: Ethereum has 12 s blocks numbered from 13,916,166 at 2022-01-01,
// Polygon 2 s blocks from 23,201,014; rows of one block get increasing
// log_index.
//
//   - Wallets: Config.Wallets organic wallets. Who buys is heavy-tailed:
//     P(rank k) ∝ (20+k)^−1.1 (Zipf), so a few wallets trade very often and
//     most rarely.
//   - Collections: Config.Collections NFT contracts whose sizes are Pareto
//     (α = 1.1, at least 10 tokens; Config.Tokens in all) and whose
//     popularity is size^0.7·LogNormal(0, 0.5). A share PolygonShare of them
//     (the smallest) is on polygon, priced in POL. 25% launch inside the window
//     and are minted there (seller the zero address, price the mint price or 0,
//     no platform); the others were minted before it and start owned by
//     Zipf-drawn wallets. 8% use 256-bit hashed token ids (as ENS does).
//   - Floor prices follow a geometric random walk, f ← f·exp(−σ²t/2 + σ√t·Z)
//     with t in days and σ = 0.05 (ETH) or 0.06 (POL); ETH/USD starts at 3,700
//     (σ = 0.035) and POL/USD at 2.5 (σ = 0.045). price_usd = price × rate at
//     the trade, rounded to cents; prices are rounded to 10⁻⁴.
//   - A resale picks a token of a collection drawn by popularity; its current
//     owner sells (a seller only sells what it owns) to a Zipf-drawn buyer at
//     floor·exp(0.08 + 0.3·Z), 2% of them rare items at 3–10× that. Platforms:
//     opensea 45%, blur 35%, looksrare 10%, x2y2 10%; 15% are accepted bids
//     paid in WETH (tx_from is then the seller, otherwise the buyer).
//   - ERC-20: Config.ERC20 tokens, each with a Uniswap pool; a share
//     ERC20Share of organic ticks is a swap (platform uniswap, token_standard
//     erc20, empty token_id, amount in token units with 2 decimals, price in
//     ETH): a wallet buys about LogNormal(ln 0.5 ETH, 1.2) worth from the pool,
//     or sells 30–100% of what it holds to it. The pool is a known address:
//     list it with --allow to hide it.
//
// # Wash campaigns (labeled wash)
//
// Whenever wash rows (emitted plus planned) fall below WashShare of the rows
// so far, a campaign of a kind drawn from Config.Mix starts. Every leg inside
// the pattern is labeled wash; the purchase that brings each token in from an
// outside owner (buy-in) and the sale that takes it out to an outside buyer
// (sell-out, not always: otherwise the group holds) are organic, as docs/contract.md §5
// says. Tokens are locked while a campaign holds them, so ownership stays
// consistent. Wash legs are priced at floor × U(1.2, 3) (65% of campaigns:
// volume inflation) or floor × U(0.92, 1.08) (near floor), on one platform and
// currency (ETH, 20% WETH) per campaign.
//
//   - self_trade: a token's owner sells it to itself (seller == buyer).
//   - ping_pong: wallets A, B; A buys in, then 2–8 legs A→B→A… about 10 h
//     apart; sell-out with probability 0.7.
//   - ring: 3–6 wallets pass one token around the ring 1–3 times, legs about
//     4 h apart; sell-out 0.7.
//   - ring_tokens: 3–6 wallets each buy in a token of one collection and in
//     1–3 rounds each passes its token to the next (different tokens around
//     one ring); sell-outs 0.7 each.
//   - reward_farming: 2–4 wallets buy in 3–10 tokens of one collection and
//     trade them among themselves 2–5 times each over 1–5 days, all on one
//     marketplace (looksrare 45% paid in WETH, blur 45%, x2y2 10%); sell-outs
//     0.5 each.
//   - same_tx: A buys in; then 1–3 times A→B and B→A in one transaction
//     (same tx_hash, consecutive log_index, tx_from A); sell-out 0.7.
//   - erc20_churn: 2–5 wallets each buy a position from the pool (organic),
//     then 2–8 rounds, about 8 h apart, move the same amount around the group
//     (A→B→A, or A→B→…→A), so every net position is unchanged after each
//     round; then each sells out to the pool with probability 0.6.
//
// In 20% of NFT campaigns (organic_wallets) the members are active organic
// wallets that also trade normally, never the tokens' previous owners, and
// their tokens are always sold out. Otherwise wash wallets are fresh
// addresses funded 1 h–3 d before the campaign: shared_funder (35%: one fresh
// funder for the group), distinct_funders (25%), exchange (25%: one of the
// exchanges that fund organic users) or chain (15%: the first wallet funds the
// others). ERC-20 churn always uses fresh wallets; self trades are done by the
// token's owner.
//
// # Organic traps (labeled organic)
//
//   - Buy-backs: a share BuybackRate of resales are followed, 60–180 days
//     later, by the buyer selling the token back to the seller (the buyer
//     holds it meanwhile).
//   - Flippers: a share RebuyRate of resales are followed, 2–8 weeks later, by
//     the seller buying the same token again from its then owner (the market
//     moves it on once first if needed), so the same wallet buys one token
//     twice with different counterparties; heavy-tailed activity also makes
//     some wallets trade many tokens with many counterparties.
//   - Exchange fan-out: 60% of organic wallets are first funded by one of six
//     exchanges (the first funding most), so one funder has a huge fan-out.
//   - Friends: 10% of blocks of 4 consecutive organic wallets share one
//     personal funder; a resale by such a wallet goes to a friend with
//     probability FriendRate. These trades are organic: a common funder alone
//     is not wash trading.
//
// # Funders file
//
// CSV wallet,funder,block_time (RFC 3339): every organic wallet that traded,
// in wallet order (funded 1–700 days before Start), then every wash wallet in
// creation order. ERC-20 pools and contracts have no funder.
package synth
