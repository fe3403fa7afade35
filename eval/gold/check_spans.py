#!/usr/bin/env python3
"""Verify the gold question set against the seed texts.

For every span in questions.jsonl: it must occur, after collapsing runs of
whitespace to a single space on both sides, in the text of the document it
names. Seed 004 is cut into three documents (toezeggingenlijst / memo
parkeerbeleid / regiovisie) at the lines "Memo" and "Herijking".

Also checks the schema and the span rules of the brief (4-20 words, no tab,
bullet or U+FFFD, no word broken by a hyphen at a line end), and warns when a
span also occurs in a document the question does not list.

Usage: python3 check_spans.py [questions.jsonl] [--seeds DIR]
Exit status 1 if anything fails.
"""

import argparse
import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SEEDS = Path("/work/shared/seeds")

KINDS = {"figure", "name", "decision", "responsibility", "change", "comparison", "definition", "unanswerable"}
LANGS = {"nl", "en"}
REGION_OF = {
    "boekel-2026-rib-toekomstbeeld-via": "Noordoost-Brabant",
    "boekel-2023-raadsmemo-koersplan-via": "Noordoost-Brabant",
    "nob-2023-koersplan-via": "Noordoost-Brabant",
    "oss-2026-rib-toekomstbeeld-via": "Noordoost-Brabant",
    "zevenaar-2024-toezeggingenlijst": "Arnhem-Achterhoek",
    "zevenaar-2024-memo-parkeerbeleid": "Arnhem-Achterhoek",
    "arnhem-achterhoek-2024-regiovisie-samen-veilig": "Arnhem-Achterhoek",
}
WS = re.compile(r"\s+")


def norm(s):
    return WS.sub(" ", s).strip()


def norm_with_map(raw):
    """Normalised text plus, for each of its characters, the raw index."""
    out, idx = [], []
    i, n = 0, len(raw)
    while i < n:
        if raw[i].isspace():
            j = i
            while j < n and raw[j].isspace():
                j += 1
            if out:  # no leading space
                out.append(" ")
                idx.append(i)
            i = j
        else:
            out.append(raw[i])
            idx.append(i)
            i += 1
    if out and out[-1] == " ":
        out.pop()
        idx.pop()
    return "".join(out), idx


def load_docs(seeds):
    def read(prefix):
        hits = sorted(seeds.glob(prefix + "_*.txt"))
        if len(hits) != 1:
            sys.exit(f"cannot find seed {prefix} in {seeds}")
        return hits[0].read_text(encoding="utf-8")

    docs = {
        "boekel-2026-rib-toekomstbeeld-via": read("000"),
        "boekel-2023-raadsmemo-koersplan-via": read("001"),
        "nob-2023-koersplan-via": read("002"),
        "oss-2026-rib-toekomstbeeld-via": read("003"),
    }
    s4 = read("004")
    m_memo = re.search(r"(?m)^[ \t]*Memo[ \t]*$", s4)
    m_her = re.search(r"(?m)^[ \t]*Herijking[ \t]*$", s4)
    if not m_memo or not m_her or m_her.start() < m_memo.start():
        sys.exit("cannot cut seed 004 at 'Memo' / 'Herijking'")
    docs["zevenaar-2024-toezeggingenlijst"] = s4[: m_memo.start()]
    docs["zevenaar-2024-memo-parkeerbeleid"] = s4[m_memo.start() : m_her.start()]
    docs["arnhem-achterhoek-2024-regiovisie-samen-veilig"] = s4[m_her.start() :]
    return docs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("questions", nargs="?", default=str(HERE / "questions.jsonl"))
    ap.add_argument("--seeds", default=str(DEFAULT_SEEDS))
    args = ap.parse_args()

    docs = load_docs(Path(args.seeds))
    normed = {d: norm_with_map(t) for d, t in docs.items()}

    failures, warnings = [], []
    counts = collections.Counter()
    docs_hit = collections.Counter()
    seen_ids = set()
    n_q = n_spans = 0
    with open(args.questions, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)
            except json.JSONDecodeError as e:
                failures.append(f"line {lineno}: invalid JSON: {e}")
                continue
            n_q += 1
            qid = q.get("id", f"line{lineno}")

            def fail(msg):
                failures.append(f"{qid}: {msg}")

            if not re.fullmatch(r"q\d{3}", str(q.get("id", ""))):
                fail("bad id")
            if qid in seen_ids:
                fail("duplicate id")
            seen_ids.add(qid)
            if not str(q.get("question", "")).strip():
                fail("empty question")
            lang, kind, ans = q.get("lang"), q.get("kind"), q.get("answerable")
            if lang not in LANGS:
                fail(f"bad lang {lang!r}")
            if kind not in KINDS:
                fail(f"bad kind {kind!r}")
            if not isinstance(ans, bool):
                fail("answerable must be true/false")
            rel = q.get("relevant")
            if not isinstance(rel, list):
                fail("relevant must be a list")
                rel = []
            counts[(lang, kind, ans)] += 1

            if ans is False:
                if kind != "unanswerable":
                    fail("answerable=false but kind is not 'unanswerable'")
                if rel:
                    fail("unanswerable question with relevant spans")
            elif ans is True:
                if kind == "unanswerable":
                    fail("kind 'unanswerable' but answerable=true")
                if not rel:
                    fail("answerable question without relevant documents")

            rel_ids = {r.get("document_id") for r in rel}
            for d_ in rel_ids:
                docs_hit[d_] += 1
            listed = set()
            for r in rel:
                d = r.get("document_id")
                if d not in docs:
                    fail(f"unknown document_id {d!r}")
                    continue
                if d in listed:
                    fail(f"document {d} listed twice")
                listed.add(d)
                spans = r.get("spans") or []
                if not spans:
                    fail(f"{d}: no spans")
                text, idx = normed[d]
                raw = docs[d]
                for s in spans:
                    n_spans += 1
                    ns = norm(s)
                    words = len(ns.split())
                    if not 4 <= words <= 20:
                        fail(f"{d}: span has {words} words (4-20): {s!r}")
                    if any(c in s for c in "\t•\ufffd"):
                        fail(f"{d}: span contains tab/bullet/U+FFFD: {s!r}")
                    pos = text.find(ns)
                    if pos < 0:
                        fail(f"{d}: span NOT FOUND: {s!r}")
                        continue
                    seg = raw[idx[pos] : idx[pos + len(ns) - 1] + 1]
                    if re.search(r"\w-[ \t]*\n\s*\w", seg):
                        fail(f"{d}: span crosses a hyphenated line break: {s!r}")
                    for other, (otext, _) in normed.items():
                        if other not in rel_ids and ns in otext:
                            warnings.append(f"{qid}: span also in unlisted {other}: {s!r}")

            regions = q.get("regions") or []
            if kind == "comparison":
                need = {"Noordoost-Brabant", "Arnhem-Achterhoek"}
                if set(regions) != need:
                    fail(f"comparison needs regions {sorted(need)}, got {regions}")
                have = {REGION_OF[r.get("document_id")] for r in rel if r.get("document_id") in REGION_OF}
                if have != need:
                    fail(f"comparison lacks spans from {sorted(need - have)}")
            elif regions:
                fail("regions given on a non-comparison question")

    for w in warnings:
        print("WARN", w)
    for f in failures:
        print("FAIL", f)

    by_lang = collections.Counter()
    by_kind = collections.Counter()
    by_lang_kind = collections.Counter()
    for (lang, kind, ans), n in counts.items():
        by_lang[lang] += n
        by_kind[kind] += n
        by_lang_kind[(lang, kind)] += n
    ans_by_lang = collections.Counter()
    for (lang, kind, ans), n in counts.items():
        if ans:
            ans_by_lang[lang] += n

    print(f"\n{n_q} questions, {n_spans} spans, {len(failures)} failures, {len(warnings)} warnings")
    print(
        "per lang:", dict(sorted(by_lang.items())), " answerable per lang:", dict(sorted(ans_by_lang.items()))
    )
    print("per kind:", dict(sorted(by_kind.items())))
    print("per lang/kind:")
    for lang in sorted(LANGS):
        row = {k: by_lang_kind[(lang, k)] for k in sorted(KINDS) if by_lang_kind[(lang, k)]}
        print(f"  {lang}: {row}")
    print("questions per document:")
    for d in REGION_OF:
        print(f"  {docs_hit[d]:3d}  {d}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
