#!/usr/bin/env python3
"""Independent labeled market generator for washscan (standard library only).

Writes a canonical trades CSV (docs/contract.md §1.1 columns + is_wash + pattern) and a
funders CSV (wallet,funder,block_time). Deterministic by --seed.

Written from the contract (docs/contract.md) only, without looking at washscan's own synthetic
generator, so that detection quality is checked on a market built with
different assumptions.

Pattern tags (column `pattern`):
  wash (is_wash=true):
    w_self          seller == buyer sales of an NFT
    w_pingpong      A->B->A... 2-6 legs of one token within hours..days
    w_ring3..6      ring of k wallets passing one token around (1-2 laps) within days
    w_ring_multi    ring of 3-5 wallets, each leg moves a *different* token of one collection
    w_farm          2-4 wallets trading many tokens among themselves on blur/looksrare within days
    w_sametx        A->B and B->A in one transaction (different log_index)
    w_erc20_churn   ERC-20 passed among 2-5 wallets, net positions ~0 within hours/days
  organic (is_wash=false):
    organic_nft, organic_erc20_dex, organic_erc20_p2p   ordinary market
    o_wash_entry    purchase bringing an asset into a wash group from an outside seller
    o_wash_exit     sale taking it out to an outside buyer
    t_buyback       A sells to B, 2-8 months later B sells the token back to A
    t_flipper       flipper buys the same token again weeks later from a different counterparty
    t_active        organic trade involving a power trader (many tokens, many counterparties)
    t_exchange_pair organic trade whose two sides were funded by the same exchange hot wallet
    t_friends       one organic, market-price trade between wallets funded by the same small funder
    t_dex_roundtrip buy from a DEX pool and sell back to the same pool within days
"""
import argparse
import bisect
import csv
import heapq
import math
import random
from datetime import datetime, timezone

DAY = 86400
HOUR = 3600
T0 = int(datetime(2022, 1, 1, tzinfo=timezone.utc).timestamp())
BLOCK0 = 13916166

WASH_TAGS = ["w_self", "w_pingpong", "w_ring3", "w_ring4", "w_ring5", "w_ring6",
             "w_ring_multi", "w_farm", "w_sametx", "w_erc20_churn"]


class Gen:
    def __init__(self, seed, trades, days, wash_frac, erc20_share):
        self.r = random.Random(seed)
        self.target = trades
        self.span = days * DAY
        self.wash_frac = wash_frac
        self.erc20_share = erc20_share
        self.rows = []
        self.funder = {}          # wallet -> funder
        self.wash_wallets = set()
        self.txcount = 0

    # ---------- helpers ----------
    def addr(self):
        return "0x%040x" % self.r.getrandbits(160)

    def txh(self):
        return "0x%064x" % self.r.getrandbits(256)

    def logn(self, sigma):
        return math.exp(self.r.gauss(0, sigma))

    def emit(self, t, contract, token_id, std, seller, buyer, amount, price, currency,
             platform, tx_from, wash, tag, txh=None, log_index=None):
        t = int(t)
        if txh is None:
            txh = self.txh()
        if log_index is None:
            log_index = self.r.randrange(0, 400)
        usd = price * self.eth_usd(t)
        self.rows.append([t, BLOCK0 + t // 12, txh, log_index, contract, token_id, std,
                          seller, buyer, amount, price, currency, usd, platform, tx_from,
                          wash, tag])

    def eth_usd(self, t):
        d = min(max(int(t // DAY), 0), len(self.ethp) - 1)
        return self.ethp[d]

    def nft_price(self, c, tok, t):
        d = min(max(int(t // DAY), 0), len(self.cprice[c]) - 1)
        return self.cprice[c][d] * self.rarity[c][tok]

    def erc_price(self, k, t):
        d = min(max(int(t // DAY), 0), len(self.eprice[k]) - 1)
        return self.eprice[k][d]

    def pick_weighted(self):
        x = self.r.random() * self.cumw[-1]
        return self.org[bisect.bisect_right(self.cumw, x)]

    def nft_platform(self):
        x = self.r.random()
        return "opensea" if x < 0.55 else "blur" if x < 0.83 else "looksrare" if x < 0.92 else "x2y2"

    def currency(self, platform):
        return "WETH" if self.r.random() < (0.25 if platform == "opensea" else 0.1) else "ETH"

    def taker(self, seller, buyer):
        return buyer if self.r.random() < 0.7 else seller

    # ---------- setup ----------
    def setup(self):
        r = self.r
        ndays = self.span // DAY + 400
        # price paths
        self.ethp = [3000.0]
        for _ in range(ndays):
            self.ethp.append(max(600.0, self.ethp[-1] * math.exp(r.gauss(-0.0005, 0.035))))
        # organic wallets, heavy tailed activity
        n_org = max(2000, self.target // 5)
        self.org = [self.addr() for _ in range(n_org)]
        w = [r.paretovariate(1.6) for _ in range(n_org)]
        self.weight = dict(zip(self.org, w))
        self.cumw = []
        s = 0.0
        for x in w:
            s += x
            self.cumw.append(s)
        order = sorted(range(n_org), key=lambda i: -w[i])
        self.power = set(self.org[i] for i in order[: max(20, n_org // 300)])
        # funders of organic wallets
        self.exchanges = [self.addr() for _ in range(4)]
        exw = [0.4, 0.3, 0.2, 0.1]
        self.friend_groups = []
        unassigned = []
        for a in self.org:
            x = r.random()
            if x < 0.40:
                self.funder[a] = r.choices(self.exchanges, exw)[0]
            elif x < 0.75:
                self.funder[a] = self.addr()
            elif x < 0.87:
                unassigned.append(a)
            # else: no funder row
        i = 0
        while i < len(unassigned):
            k = r.randint(2, 5)
            grp = unassigned[i:i + k]
            i += k
            if len(grp) < 2:
                self.funder[grp[0]] = self.addr()
                continue
            f = self.addr()
            for a in grp:
                self.funder[a] = f
            self.friend_groups.append(grp)
        # NFT collections
        self.colls = []
        self.supply = []
        self.cprice = []
        self.rarity = []
        self.owner = []
        self.lock = []
        self.cw = []
        for _ in range(9):
            c = self.addr()
            sup = r.choice([1000, 2000, 3333, 5000, 8888, 10000])
            base = math.exp(r.uniform(math.log(0.02), math.log(40)))
            path = [base]
            drift = r.gauss(0, 0.004)
            for _ in range(ndays):
                path.append(max(0.001, path[-1] * math.exp(r.gauss(drift, 0.05))))
            self.colls.append(c)
            self.supply.append(sup)
            self.cprice.append(path)
            self.rarity.append([self.logn(0.35) for _ in range(sup)])
            self.owner.append([self.pick_weighted() for _ in range(sup)])
            self.lock.append([0] * sup)
            self.cw.append(r.paretovariate(1.0))
        # ERC-20 tokens and pools
        self.erc = [self.addr(), self.addr()]
        self.eprice = []
        for k, base in enumerate([0.0004, 0.012]):
            path = [base]
            for _ in range(ndays):
                path.append(path[-1] * math.exp(r.gauss(0, 0.06)))
            self.eprice.append(path)
        self.pools = [(self.addr(), 0, "uniswap"), (self.addr(), 0, "sushiswap"),
                      (self.addr(), 1, "uniswap")]
        self.bal = [dict(), dict()]
        self.holders = [[], []]

    # ---------- organic market ----------
    def free_token(self, t, tries=30):
        r = self.r
        for _ in range(tries):
            c = r.choices(range(len(self.colls)), self.cw)[0]
            tok = r.randrange(self.supply[c])
            if self.lock[c][tok] <= t and self.owner[c][tok] not in self.wash_wallets:
                return c, tok
        return None

    def organic_nft(self, t, tag="organic_nft"):
        ct = self.free_token(t)
        if ct is None:
            return
        c, tok = ct
        seller = self.owner[c][tok]
        buyer = self.pick_weighted()
        while buyer == seller:
            buyer = self.pick_weighted()
        self.sell_nft(t, c, tok, seller, buyer, False, tag)

    def sell_nft(self, t, c, tok, seller, buyer, wash, tag, price=None, platform=None, txh=None,
                 log_index=None, tx_from=None):
        if platform is None:
            platform = self.nft_platform()
        if price is None:
            price = self.nft_price(c, tok, t) * self.logn(0.25)
        price = round(price, 6)
        self.emit(t, self.colls[c], str(tok), "erc721", seller, buyer, "1", price,
                  self.currency(platform), platform, tx_from or self.taker(seller, buyer), wash, tag,
                  txh=txh, log_index=log_index)
        self.owner[c][tok] = buyer
        self.lock[c][tok] = max(self.lock[c][tok], int(t))

    def add_bal(self, k, a, x):
        b = self.bal[k].get(a, 0.0)
        if b <= 0 and x > 0:
            self.holders[k].append(a)
        self.bal[k][a] = b + x

    def pick_holder(self, k):
        h = self.holders[k]
        for _ in range(20):
            if not h:
                return None
            i = self.r.randrange(len(h))
            a = h[i]
            if self.bal[k].get(a, 0) > 1e-6:
                return a
            h[i] = h[-1]
            h.pop()
        return None

    def erc_row(self, t, k, seller, buyer, amount, price, platform, wash, tag, tx_from=None, txh=None,
                log_index=None):
        amount = round(amount, 4)
        self.emit(t, self.erc[k], "", "erc20", seller, buyer, "%.4f" % amount, round(price, 8),
                  "ETH", platform, tx_from or buyer, wash, tag, txh=txh, log_index=log_index)
        return amount

    def organic_dex(self, t):
        r = self.r
        pool, k, plat = r.choice(self.pools)
        p = self.erc_price(k, t)
        if r.random() < 0.5 or not self.holders[k]:
            a = self.pick_weighted()
            eth = math.exp(r.gauss(math.log(0.3), 1.3))
            amt = self.erc_row(t, k, pool, a, eth / p, eth, plat, False, "organic_erc20_dex", tx_from=a)
            self.add_bal(k, a, amt)
        else:
            a = self.pick_holder(k)
            if a is None:
                return
            amt = round(self.bal[k][a] * r.choice([1.0, r.uniform(0.1, 1.0)]), 4)
            if amt <= 0:
                return
            self.erc_row(t, k, a, pool, amt, amt * p * self.logn(0.01), plat, False,
                         "organic_erc20_dex", tx_from=a)
            self.bal[k][a] -= amt

    def organic_p2p(self, t):
        r = self.r
        k = r.choice([0, 0, 1])
        a = self.pick_holder(k)
        if a is None:
            return
        b = self.pick_weighted()
        if b == a:
            return
        amt = round(self.bal[k][a] * r.uniform(0.05, 1.0), 4)
        if amt <= 0:
            return
        price = amt * self.erc_price(k, t) * self.logn(0.05) if r.random() < 0.4 else 0.0
        self.erc_row(t, k, a, b, amt, price, "", False, "organic_erc20_p2p", tx_from=a)
        self.bal[k][a] -= amt
        self.add_bal(k, b, amt)

    # ---------- wash groups ----------
    def group(self, n):
        r = self.r
        if self.prev_groups and r.random() < 0.2:
            cands = [g for g in self.prev_groups if len(g) == n]
            if cands:
                return r.choice(cands)
        g = [self.addr() for _ in range(n)]
        if r.random() < 0.5:
            f = self.addr()
            for a in g:
                self.funder[a] = f
        else:
            for a in g:
                x = r.random()
                if x < 0.5:
                    self.funder[a] = r.choice(self.exchanges)
                elif x < 0.8:
                    self.funder[a] = self.addr()
        self.wash_wallets.update(g)
        self.prev_groups.append(g)
        return g

    def wash_price(self, c, tok, t, inflate_p=0.4):
        p = self.nft_price(c, tok, t) * self.logn(0.15)
        if self.r.random() < inflate_p:
            p *= self.r.uniform(1.5, 8)
        return p

    def entry(self, t, a, platform=None):
        ct = self.free_token(t)
        if ct is None:
            return None
        c, tok = ct
        self.sell_nft(t, c, tok, self.owner[c][tok], a, False, "o_wash_entry", platform=platform)
        return c, tok

    def exit(self, t, c, tok):
        b = self.pick_weighted()
        self.sell_nft(t, c, tok, self.owner[c][tok], b, False, "o_wash_exit")
        self.lock[c][tok] = int(t)

    def p_self(self, t):
        r = self.r
        a = self.group(1)[0]
        ct = self.entry(t, a)
        if not ct:
            return
        c, tok = ct
        plat = self.nft_platform()
        for _ in range(r.randint(1, 3)):
            t += r.uniform(0.5 * HOUR, 2 * DAY)
            self.sell_nft(t, c, tok, a, a, True, "w_self", price=self.wash_price(c, tok, t), platform=plat)
        self.exit(t + r.uniform(1 * DAY, 30 * DAY), c, tok)

    def p_pingpong(self, t):
        r = self.r
        a, b = self.group(2)
        ct = self.entry(t, a)
        if not ct:
            return
        c, tok = ct
        plat = self.nft_platform()
        cur, oth = a, b
        for _ in range(r.randint(2, 6)):
            t += r.uniform(0.5 * HOUR, 2 * DAY)
            self.sell_nft(t, c, tok, cur, oth, True, "w_pingpong", price=self.wash_price(c, tok, t),
                          platform=plat)
            cur, oth = oth, cur
        self.exit(t + r.uniform(1 * DAY, 30 * DAY), c, tok)

    def p_ring(self, t, k):
        r = self.r
        g = self.group(k)
        ct = self.entry(t, g[0])
        if not ct:
            return
        c, tok = ct
        plat = self.nft_platform()
        laps = 1 if r.random() < 0.6 else 2
        gap = r.uniform(1 * HOUR, 18 * HOUR)
        for lap in range(laps):
            for i in range(k):
                t += gap * r.uniform(0.3, 1.7)
                self.sell_nft(t, c, tok, g[i], g[(i + 1) % k], True, "w_ring%d" % k,
                              price=self.wash_price(c, tok, t), platform=plat)
        self.exit(t + r.uniform(1 * DAY, 30 * DAY), c, tok)

    def p_ring_multi(self, t):
        r = self.r
        k = r.randint(3, 5)
        g = self.group(k)
        c = r.choices(range(len(self.colls)), self.cw)[0]
        held = []
        for a in g:
            for _ in range(40):
                tok = r.randrange(self.supply[c])
                if self.lock[c][tok] <= t and self.owner[c][tok] not in self.wash_wallets:
                    break
            else:
                return
            t += r.uniform(0, 6 * HOUR)
            self.sell_nft(t, c, tok, self.owner[c][tok], a, False, "o_wash_entry")
            self.lock[c][tok] = 10 ** 12
            held.append(tok)
        plat = self.nft_platform()
        rounds = r.randint(1, k - 1) if k > 3 else r.randint(1, 2)
        for _ in range(rounds):
            t += r.uniform(2 * HOUR, 2 * DAY)
            new = list(held)
            for i in range(k):
                tt = t + r.uniform(0, 12 * HOUR)
                self.sell_nft(tt, c, held[i], g[i], g[(i + 1) % k], True, "w_ring_multi",
                              price=self.wash_price(c, held[i], tt), platform=plat)
                new[(i + 1) % k] = held[i]
            held = new
            t += 12 * HOUR
        for tok in held:
            self.exit(t + r.uniform(1 * DAY, 40 * DAY), c, tok)

    def p_farm(self, t):
        r = self.r
        n = r.randint(2, 4)
        g = self.group(n)
        plat = r.choice(["blur", "blur", "looksrare"])
        c = r.choices(range(len(self.colls)), self.cw)[0] if r.random() < 0.7 else None
        holdings = []  # (c, tok, holder)
        for a in g:
            for _ in range(r.randint(2, 5)):
                t += r.uniform(0, 12 * HOUR)
                if c is None:
                    ct = self.free_token(t)
                else:
                    ct = None
                    for _ in range(40):
                        tok = r.randrange(self.supply[c])
                        if self.lock[c][tok] <= t and self.owner[c][tok] not in self.wash_wallets:
                            ct = (c, tok)
                            break
                if ct is None:
                    continue
                cc, tok = ct
                self.sell_nft(t, cc, tok, self.owner[cc][tok], a, False, "o_wash_entry", platform=plat)
                self.lock[cc][tok] = 10 ** 12
                holdings.append([cc, tok, a])
        if not holdings:
            return
        dur = r.uniform(1 * DAY, 6 * DAY)
        ntr = r.randint(8, 25)
        times = sorted(t + r.uniform(HOUR, dur) for _ in range(ntr))
        for tt in times:
            h = r.choice(holdings)
            others = [x for x in g if x != h[2]]
            b = r.choice(others)
            price = self.nft_price(h[0], h[1], tt) * self.logn(0.1) * (r.uniform(1.2, 3) if r.random() < 0.2 else 1)
            self.sell_nft(tt, h[0], h[1], h[2], b, True, "w_farm", price=price, platform=plat)
            h[2] = b
        for h in holdings:
            self.exit(t + dur + r.uniform(1 * DAY, 40 * DAY), h[0], h[1])

    def p_sametx(self, t):
        r = self.r
        a, b = self.group(2)
        ct = self.entry(t, a)
        if not ct:
            return
        c, tok = ct
        plat = self.nft_platform()
        for _ in range(r.randint(1, 2)):
            t += r.uniform(HOUR, 3 * DAY)
            h = self.txh()
            li = r.randrange(0, 300)
            p = self.wash_price(c, tok, t)
            self.sell_nft(t, c, tok, a, b, True, "w_sametx", price=p, platform=plat, txh=h,
                          log_index=li, tx_from=a)
            self.sell_nft(t, c, tok, b, a, True, "w_sametx", price=p * r.uniform(0.98, 1.0),
                          platform=plat, txh=h, log_index=li + r.randint(1, 4), tx_from=a)
        self.exit(t + r.uniform(1 * DAY, 30 * DAY), c, tok)

    def p_erc20_churn(self, t):
        r = self.r
        n = r.randint(2, 5)
        g = self.group(n)
        pool, k, plat = r.choice(self.pools)
        p = self.erc_price(k, t)
        eth = math.exp(r.gauss(math.log(2.0), 1.0))
        # entry: first wallet (sometimes all) buys from the pool
        buyers = g if r.random() < 0.3 else g[:1]
        bal = {a: 0.0 for a in g}
        for a in buyers:
            t += r.uniform(0, 6 * HOUR)
            amt = self.erc_row(t, k, pool, a, eth / p, eth, plat, False, "o_wash_entry", tx_from=a)
            bal[a] += amt
        x0 = round(bal[g[0]] * r.uniform(0.3, 1.0), 4)
        rounds = r.randint(2, 6)
        span = r.choice([6 * HOUR, 1 * DAY, 3 * DAY])
        mode = "ring" if n >= 3 and r.random() < 0.6 else "pairs"
        for _ in range(rounds):
            t += r.uniform(0.1, 1.0) * span / rounds
            x = round(x0 * r.uniform(0.7, 1.3), 4)
            pr = self.erc_price(k, t)
            if mode == "ring":
                legs = [(g[i], g[(i + 1) % n]) for i in range(n)]
            else:
                i, j = r.sample(range(n), 2)
                legs = [(g[i], g[j]), (g[j], g[i])]
            first = True
            for s, b in legs:
                t += r.uniform(60, 2 * HOUR)
                amt = x if first or r.random() < 0.7 else round(x * r.uniform(0.997, 1.003), 4)
                first = False
                self.erc_row(t, k, s, b, amt, amt * pr * self.logn(0.01), "", True, "w_erc20_churn",
                             tx_from=s)
                bal[s] -= amt
                bal[b] += amt
        # exit: sell everything back to a pool (any pool of that token)
        for a in g:
            if bal[a] > 1e-4:
                t += r.uniform(HOUR, 3 * DAY)
                pool2 = r.choice([pp for pp in self.pools if pp[1] == k])
                self.erc_row(t, k, a, pool2[0], bal[a], bal[a] * self.erc_price(k, t), pool2[2], False,
                             "o_wash_exit", tx_from=a)

    # ---------- traps ----------
    def t_buyback(self, t):
        r = self.r
        ct = self.free_token(t)
        if ct is None:
            return
        c, tok = ct
        a = self.owner[c][tok]
        b = self.pick_weighted()
        if a == b:
            return
        self.sell_nft(t, c, tok, a, b, False, "t_buyback")
        t2 = t + r.uniform(60 * DAY, 240 * DAY)
        self.sell_nft(t2, c, tok, b, a, False, "t_buyback")

    def t_flipper(self, t):
        r = self.r
        ct = self.free_token(t)
        if ct is None:
            return
        c, tok = ct
        f = r.choice(list(self.power)) if r.random() < 0.5 else self.pick_weighted()
        if self.owner[c][tok] == f:
            return
        cycles = 2 if r.random() < 0.7 else 3
        for _ in range(cycles):
            self.sell_nft(t, c, tok, self.owner[c][tok], f, False, "t_flipper")
            t += r.uniform(1 * DAY, 10 * DAY)
            y = self.pick_weighted()
            while y == f:
                y = self.pick_weighted()
            self.sell_nft(t, c, tok, f, y, False, "t_flipper")
            t += r.uniform(2 * DAY, 15 * DAY)
            z = self.pick_weighted()
            while z in (f, y):
                z = self.pick_weighted()
            self.sell_nft(t, c, tok, y, z, False, "t_flipper")
            t += r.uniform(14 * DAY, 40 * DAY)

    def t_friends(self, t):
        r = self.r
        if not self.friend_groups:
            return
        g = r.choice(self.friend_groups)
        a, b = r.sample(g, 2)
        ct = self.free_token(t)
        if ct is None:
            return
        c, tok = ct
        if self.owner[c][tok] in (a, b):
            return
        self.sell_nft(t, c, tok, self.owner[c][tok], a, False, "organic_nft")
        t += r.uniform(1 * DAY, 40 * DAY)
        self.sell_nft(t, c, tok, a, b, False, "t_friends", price=self.nft_price(c, tok, t) * self.logn(0.1))
        t += r.uniform(1 * DAY, 60 * DAY)
        z = self.pick_weighted()
        while z in (a, b):
            z = self.pick_weighted()
        self.sell_nft(t, c, tok, b, z, False, "organic_nft")

    def t_dex_roundtrip(self, t):
        r = self.r
        pool, k, plat = r.choice(self.pools)
        a = self.pick_weighted()
        eth = math.exp(r.gauss(math.log(0.5), 1.0))
        amt = self.erc_row(t, k, pool, a, eth / self.erc_price(k, t), eth, plat, False, "t_dex_roundtrip", tx_from=a)
        t += r.uniform(2 * HOUR, 6 * DAY)
        back = amt if r.random() < 0.6 else round(amt * r.uniform(0.5, 1.0), 4)
        self.erc_row(t, k, a, pool, back, back * self.erc_price(k, t), plat, False, "t_dex_roundtrip", tx_from=a)
        self.add_bal(k, a, amt - back)

    # ---------- driver ----------
    def run(self):
        r = self.r
        self.setup()
        self.prev_groups = []
        T = self.target
        W = T * self.wash_frac
        mix = {  # tag: (share of wash rows, mean wash legs per instance, fn)
            "self": (0.06, 2.0, self.p_self),
            "pingpong": (0.15, 4.0, self.p_pingpong),
            "ring3": (0.06, 4.5, lambda t: self.p_ring(t, 3)),
            "ring4": (0.06, 5.6, lambda t: self.p_ring(t, 4)),
            "ring5": (0.05, 7.0, lambda t: self.p_ring(t, 5)),
            "ring6": (0.05, 8.4, lambda t: self.p_ring(t, 6)),
            "ring_multi": (0.10, 8.0, self.p_ring_multi),
            "farm": (0.20, 16.5, self.p_farm),
            "sametx": (0.07, 3.0, self.p_sametx),
            "erc20_churn": (0.20, 12.0, self.p_erc20_churn),
        }
        events = []
        other = 0.0
        for name, (share, legs, fn) in mix.items():
            n = max(3, int(round(W * share / legs)))
            other += n * (legs + 3)
            for _ in range(n):
                events.append((r.uniform(5 * DAY, self.span - 10 * DAY), 2, fn))
        traps = [(0.004, 2, self.t_buyback, 4 * 30 * DAY), (0.0015, 7.5, self.t_flipper, 120 * DAY),
                 (0.003, 3, self.t_friends, 100 * DAY), (0.01, 2, self.t_dex_roundtrip, 7 * DAY)]
        for rate, rows, fn, tail in traps:
            n = int(T * rate)
            other += n * rows
            for _ in range(n):
                events.append((r.uniform(1 * DAY, self.span - tail), 1, fn))
        n_org = max(0, int(T - other))
        n_erc = int(n_org * self.erc20_share)
        for _ in range(n_org - n_erc):
            events.append((r.uniform(0, self.span), 0, self.organic_nft))
        for _ in range(n_erc):
            fn = self.organic_dex if r.random() < 0.75 else self.organic_p2p
            events.append((r.uniform(0, self.span), 0, fn))
        events.sort(key=lambda e: (e[0], e[1]))
        for t, _, fn in events:
            fn(t)
        # post-hoc trap tags for ordinary organic rows
        for row in self.rows:
            if row[16] in ("organic_nft", "organic_erc20_p2p", "organic_erc20_dex"):
                s, b = row[7], row[8]
                fs, fb = self.funder.get(s), self.funder.get(b)
                if fs is not None and fs == fb and fs in self.exchanges:
                    row[16] = "t_exchange_pair"
                elif s in self.power or b in self.power:
                    row[16] = "t_active"
        self.rows.sort(key=lambda x: (x[0], x[1], x[3]))

    def write(self, out, funders_out):
        first = {}
        with open(out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["chain", "block_time", "block_number", "tx_hash", "log_index", "contract", "token_id",
                        "token_standard", "seller", "buyer", "amount", "price", "currency", "price_usd",
                        "platform", "tx_from", "is_wash", "pattern"])
            for (t, blk, h, li, c, tok, std, s, b, amt, p, cur, usd, plat, txf, wash, tag) in self.rows:
                bt = datetime.fromtimestamp(T0 + t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                w.writerow(["ethereum", bt, blk, h, li, c, tok, std, s, b, amt, "%.8f" % p if std == "erc20" else "%.6f" % p,
                            cur, "%.2f" % usd, plat, txf, "true" if wash else "false", tag])
                for a in (s, b):
                    if a not in first:
                        first[a] = t
        r = self.r
        with open(funders_out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["wallet", "funder", "block_time"])
            for a in sorted(self.funder):
                if a not in first:
                    continue
                ft = first[a] - int(r.uniform(HOUR, 30 * DAY))
                w.writerow([a, self.funder[a],
                            datetime.fromtimestamp(T0 + max(0, ft), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trades", type=int, default=100000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--wash-frac", type=float, default=0.08, help="target share of wash rows")
    ap.add_argument("--erc20-share", type=float, default=0.15, help="share of organic rows that are ERC-20")
    ap.add_argument("--out", required=True, help="trades CSV")
    ap.add_argument("--funders", required=True, help="funders CSV")
    a = ap.parse_args()
    g = Gen(a.seed, a.trades, a.days, a.wash_frac, a.erc20_share)
    g.run()
    g.write(a.out, a.funders)
    n = len(g.rows)
    nw = sum(1 for x in g.rows if x[15])
    print("rows=%d wash=%d (%.2f%%)" % (n, nw, 100.0 * nw / max(n, 1)))


if __name__ == "__main__":
    main()
