// Package markettest runs market-level statistical tests for fake volume,
// after Cong, Li, Tang and Yang, "Crypto Wash Trading" (Management Science,
// 2023): authentic trading leaves statistical fingerprints in trade sizes
// that fabricated volume tends to lack.
//
// Three tests run on the trade sizes (price, in the chain's native currency
// or its wrapped form, sales only) of each scope — the whole market, each
// collection (chain, contract) and each marketplace (platform):
//
//   - Benford's law: the first significant digit d of a trade size follows
//     P(d) = log₁₀(1 + 1/d). Reported: the Pearson statistic
//     χ² = Σ_d (O_d − n·P(d))² / (n·P(d)) with 8 degrees of freedom and its
//     p-value, and Nigrini's mean absolute deviation
//     MAD = (1/9)·Σ_d |O_d/n − P(d)| with his first-digit conformity bands
//     (≤ 0.006 close, ≤ 0.012 acceptable, ≤ 0.015 marginal, above:
//     nonconformity). At millions of trades χ² rejects every real market;
//     MAD does not grow with n.
//   - Clustering at round sizes: people choose round prices. A size with
//     exactly two significant digits k·10^e (10 ≤ k ≤ 99) is round when k is a
//     multiple of 10, and near-round when k is within 2 of one (k mod 10 ∈
//     {1, 2, 8, 9}). Without clustering a round size is one of five equally
//     likely neighbours, p₀ = 1/5; the one-sided binomial test of R round
//     among n = R + U sizes gives z = (R − n·p₀)/√(n·p₀(1 − p₀)) and its
//     normal p-value. Authentic markets cluster (large z); bots that draw
//     sizes from a continuous law do not.
//   - Power-law tail: trade sizes above x_min follow P(X > x) ∝ x^(−ζ).
//     ζ is the Hill (continuous maximum-likelihood) estimate
//     ζ = n_tail / Σ ln(x_i/x_min), with x_min chosen as in Clauset, Shalizi
//     and Newman (2009) to minimise the Kolmogorov–Smirnov distance between
//     the empirical and fitted tails, over up to 100 candidate x_min (sample
//     quantiles up to the 90th) with at least MinTail points above.
//     Cong et al. read ζ in the Pareto–Lévy range 1 < ζ < 2 as authentic;
//     Aloosh & Li (Management Science 2024), with Mt. Gox ground truth,
//     found that tail tests point the wrong way, so the fit is reported as
//     a description of the size distribution with no verdict.
//
// Direction, after Aloosh & Li: Benford conformity and clustering at round
// sizes separate authentic from fabricated volume (fabricated volume
// conforms less and clusters less), so a scope that fails them is
// suspicious. Falk, Tsoukalas & Zhang (2023) found that the round-size
// share differs by marketplace (listing interfaces and bid tools round
// differently), so compare a collection's round share with its
// marketplace's (the marketplaces list), not with the universal p₀.
//
// A scope with fewer than MinSales sales is skipped and counted; the report
// says so. Lists are ordered by key (collections by contract address then
// chain, marketplaces by name), so the report is deterministic.
//
// The sales are sorted once, by a radix sort of their prices' bits, and
// split into the scopes in that order, so every scope's prices come out
// sorted; each distinct price's significant digits are read once. Time O(N)
// for the sort and split and O(C·N) for the x_min search with C ≤ 100
// candidates; memory O(N).
package markettest
