#!/usr/bin/env python3
"""Score washscan per-trade flags against gen.py's labels and pattern tags.

usage: score.py --market M.csv --flags FLAGS.csv [--flags FLAGS2.csv ...] [--name N ...]
                [--examples K] [--bench BENCH.json]

Flags files are in input order (docs/contract.md §3.2), so rows are joined by position; the
join is checked on (tx_hash, log_index, contract, token_id).
Prints overall precision/recall/F1, recall per wash pattern, false-positive
rate per organic tag/trap, the detectors (`reasons`) behind misses and false
positives, and K example rows per failure mode.
"""
import argparse
import collections
import csv
import json
import sys


def truth(v):
    return v.strip().lower() in ("true", "1")


def load(market, flags):
    out = []
    with open(market, newline="") as fm, open(flags, newline="") as ff:
        for i, (m, f) in enumerate(zip(csv.DictReader(fm), csv.DictReader(ff))):
            for k in ("tx_hash", "log_index", "contract", "token_id"):
                if m[k].lower() != f[k].lower():
                    sys.exit("row %d: %s differs (%r vs %r)" % (i + 2, k, m[k], f[k]))
            out.append((m, f))
    return out


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--market", required=True)
    ap.add_argument("--flags", action="append", required=True)
    ap.add_argument("--name", action="append")
    ap.add_argument("--examples", type=int, default=0)
    ap.add_argument("--funders", help="funders CSV: also split wash recall by shared funder")
    args = ap.parse_args()
    names = args.name or args.flags
    fund = {}
    if args.funders:
        for r in csv.DictReader(open(args.funders, newline="")):
            fund[r["wallet"].lower()] = r["funder"].lower()
    results = []
    for name, fl in zip(names, args.flags):
        rows = load(args.market, fl)
        tp = fp = fn = tn = 0
        per = collections.defaultdict(lambda: [0, 0])   # tag -> [n, flagged]
        reasons_fp = collections.Counter()
        reasons_fn = collections.defaultdict(collections.Counter)
        reasons_fp_tag = collections.defaultdict(collections.Counter)
        ex = collections.defaultdict(list)
        split = collections.defaultdict(lambda: [0, 0, 0])  # key -> [positives, tp, fp]
        for m, f in rows:
            y = truth(m["is_wash"])
            yhat = truth(f["is_wash"])
            tag = m["pattern"]
            fs, fb = fund.get(m["seller"].lower()), fund.get(m["buyer"].lower())
            shared = "shared-funder" if fs and fs == fb else "no-shared-funder"
            for key in (m["token_standard"], "wash " + shared if y else None):
                if key:
                    split[key][0] += y
                    split[key][1] += y and yhat
                    split[key][2] += (not y) and yhat
            per[tag][0] += 1
            per[tag][1] += yhat
            if y and yhat:
                tp += 1
            elif y:
                fn += 1
                reasons_fn[tag][f["reasons"] or "(none)"] += 1
                ex[("miss", tag)].append((m, f))
            elif yhat:
                fp += 1
                reasons_fp[f["reasons"]] += 1
                reasons_fp_tag[tag][f["reasons"]] += 1
                ex[("fp", tag)].append((m, f))
            else:
                tn += 1
        p, r, f1 = prf(tp, fp, fn)
        results.append((name, p, r, f1))
        print("## %s\n" % name)
        print("rows %d  wash %d  flagged %d  TP %d FP %d FN %d" % (len(rows), tp + fn, tp + fp, tp, fp, fn))
        print("precision %.4f  recall %.4f  F1 %.4f\n" % (p, r, f1))
        print("| slice | wash rows | recall | precision | F1 |\n|---|---:|---:|---:|---:|")
        for key in sorted(split):
            pos, t1, f1_ = split[key]
            pp, rr, ff = prf(t1, f1_, pos - t1)
            if key.startswith("wash"):
                print("| %s | %d | %.4f | - | - |" % (key, pos, rr))
            else:
                print("| %s | %d | %.4f | %.4f | %.4f |" % (key, pos, rr, pp, ff))
        print()
        print("| pattern | label | rows | flagged | rate | top reasons (misses / FPs) |")
        print("|---|---|---:|---:|---:|---|")
        for tag in sorted(per, key=lambda t: (not t.startswith("w_"), t)):
            n, k = per[tag]
            wash = tag.startswith("w_")
            rs = reasons_fn[tag] if wash else reasons_fp_tag[tag]
            top = ", ".join("%s:%d" % (a, b) for a, b in rs.most_common(3))
            print("| %s | %s | %d | %d | %s %.3f | %s |" % (
                tag, "wash" if wash else "organic", n, k, "recall" if wash else "FPR", k / n if n else 0, top))
        print()
        if args.examples:
            for key in sorted(ex, key=lambda k: -len(ex[k])):
                lst = ex[key]
                print("### %s %s (%d rows)" % (key[0], key[1], len(lst)))
                step = max(1, len(lst) // args.examples)
                for m, f in lst[::step][: args.examples]:
                    print("- %s %s %s tok=%s %s->%s price=%s plat=%s score=%s reasons=%s evidence=%s" % (
                        m["block_time"], m["token_standard"], m["contract"][:10], m["token_id"], m["seller"][:10],
                        m["buyer"][:10], m["price"], m["platform"], f["score"], f["reasons"], f["evidence"]))
                print()
    print("| run | precision | recall | F1 |\n|---|---:|---:|---:|")
    for name, p, r, f1 in results:
        print("| %s | %.4f | %.4f | %.4f |" % (name, p, r, f1))


if __name__ == "__main__":
    main()
