#!/usr/bin/env python3
"""Generates a synthetic Norwegian knowledge base for search benchmarks and
relevance tests.

    gen_corpus.py --out DIR --records N [--content content] [--seed S]
                  [--vocab V] [--plain FILE.jsonl]

DIR receives a copy of CONTENT (so links to its kommuner and challenges
resolve) plus N generated records: cases, experiments and their log entries,
each valid against the schemas and marked `example: true`. Their words are
drawn from a Zipf distribution (exponent 1.05) over a vocabulary of V words:
first the words of CONTENT, most frequent first, then generated ones
(compounds of content words, as Norwegian makes them, and syllable words), so
that the text has real text's long tail rather than a few hundred words.
--plain writes {"id","title","tags","body"} of every generated record as JSON
lines, for loading the same text into a plain FTS5 table.
"""
import argparse
import bisect
import collections
import itertools
import json
import os
import random
import re
import shutil
import sys

WORD = re.compile(r"[a-zæøåéüöä]+")
SYLLABLES = ["ka", "ne", "lo", "mer", "sti", "dal", "hei", "vik", "ros", "tun", "ber", "ga",
             "fe", "kor", "lin", "sen", "tå", "bø", "skå", "fjor", "ri", "vo", "gård", "ås",
             "lek", "mø", "tre", "sø", "hav", "lu", "ner", "dom", "ing", "het", "else", "skap"]


def content_words(root):
    """Words of the content's Markdown, most frequent first."""
    counts = collections.Counter()
    kommuner, challenges = [], []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".md"):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, root)
            if rel.startswith("kommuner/"):
                kommuner.append(f[:-3])
            elif rel.startswith("challenges/"):
                challenges.append(f[:-3])
            with open(path, encoding="utf-8") as fh:
                text = fh.read().lower()
            counts.update(w for w in WORD.findall(text) if len(w) >= 2)
    words = [w for w, _ in counts.most_common()]
    return words, sorted(kommuner), sorted(challenges)


def vocabulary(base, size, rng):
    """`size` distinct words: base's words spread over the Zipf ranks (the
    i-th most frequent at rank i**1.5, so that function words stay on top
    while a small corpus's topic words land in the long tail, as in a large
    one), and generated words (compounds of base words, syllable words) in
    between."""
    slots = [None] * size
    for i, w in enumerate(base):
        r = min(size - 1, int((i + 1) ** 1.5) - 1)
        while r < size and slots[r] is not None:
            r += 1
        if r < size:
            slots[r] = w
    seen = set(w for w in slots if w)
    long_words = [w for w in base[:3000] if len(w) >= 4]
    fresh = []
    while len(seen) < size:
        if rng.random() < 0.6 and len(long_words) > 2:
            a, b = rng.choice(long_words), rng.choice(long_words)
            w = a + ("s" if rng.random() < 0.3 and not a.endswith("s") else "") + b
        else:
            w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            fresh.append(w)
    it = iter(fresh)
    return [w if w else next(it) for w in slots]


class Sampler:
    def __init__(self, vocab, s, rng):
        self.vocab = vocab
        self.rng = rng
        weights = [1.0 / (r ** s) for r in range(1, len(vocab) + 1)]
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def words(self, k):
        r, cum, v, t = self.rng.random, self.cum, self.vocab, self.total
        return [v[bisect.bisect(cum, r() * t)] for _ in range(k)]

    def sentence(self, lo=6, hi=18):
        w = self.words(self.rng.randint(lo, hi))
        w[0] = w[0].capitalize()
        return " ".join(w) + "."

    def paragraph(self):
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))


def yaml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def date(rng):
    return "%04d-%02d-%02d" % (rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28))


def body(sm, rng):
    parts = []
    for i in range(rng.randint(1, 4)):
        if i and rng.random() < 0.5:
            parts.append("## " + " ".join(sm.words(rng.randint(1, 4))).capitalize())
        parts.append(sm.paragraph())
    return "\n\n".join(parts) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--content", default=os.path.join(os.path.dirname(__file__), "../../content"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vocab", type=int, default=200000)
    ap.add_argument("--plain")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    shutil.copytree(a.content, a.out, ignore=shutil.ignore_patterns(".samskap"))
    base, kommuner, challenges = content_words(a.content)
    sm = Sampler(vocabulary(base, a.vocab, rng), 1.05, rng)
    tag_pool = [w for w in base[:600] if len(w) >= 5]
    plain = None
    if a.plain:
        plain = open(a.plain, "w", encoding="utf-8")

    def write(rel, front, text, rid, title, tags):
        path = os.path.join(a.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("---\n" + front + "---\n\n" + text)
        if plain:
            plain.write(json.dumps({"id": rid, "title": title, "tags": " ".join(tags), "body": text},
                                   ensure_ascii=False) + "\n")

    n = 0
    exp_no = 0
    while n < a.records:
        kind = rng.random()
        title = sm.sentence(3, 7).rstrip(".")
        tags = rng.sample(tag_pool, rng.randint(1, 3))
        ks = rng.sample(kommuner, rng.randint(1, 2))
        ch = rng.choice(challenges)
        if kind < 0.3:
            rid = "gen-sak-%d" % n
            front = ("title: %s\nkommuner: [%s]\nchallenges: [%s]\nstatus: %s\nstarted: \"%s\"\n"
                     "summary: %s\ntags: [%s]\nexample: true\n") % (
                yaml_str(title), ", ".join(ks), ch, rng.choice(["idea", "running", "completed", "stopped"]),
                date(rng), yaml_str(sm.sentence()), ", ".join(yaml_str(t) for t in tags))
            write("cases/%s.md" % rid, front, body(sm, rng), rid, title, tags)
            n += 1
            continue
        exp_no += 1
        eid = "gen-forsok-%d" % exp_no
        front = ("title: %s\nkommuner: [%s]\nchallenge: %s\nstatus: %s\nstart: \"%s\"\n"
                 "hypothesis: %s\nmetrics:\n  - {name: andel, unit: prosent, baseline: %d, target: %d}\n"
                 "tags: [%s]\nexample: true\n") % (
            yaml_str(title), ", ".join(ks), ch, rng.choice(["planned", "running", "completed", "stopped"]),
            date(rng), yaml_str(sm.sentence()), rng.randint(5, 50), rng.randint(1, 40), ", ".join(yaml_str(t) for t in tags))
        write("experiments/%s/index.md" % eid, front, body(sm, rng), eid, title, tags)
        n += 1
        for k in range(rng.randint(0, 6)):
            if n >= a.records:
                break
            lid = "%s-%s-%d" % (date(rng), eid, k)
            ltitle = sm.sentence(2, 6).rstrip(".")
            front = ("date: \"%s\"\nauthor: Generert forfatter\nkind: %s\ntitle: %s\nexample: true\n") % (
                lid[:10], rng.choice(["observation", "measurement", "decision"]), yaml_str(ltitle))
            write("experiments/%s/log/%s.md" % (eid, lid), front, sm.paragraph() + "\n", lid, ltitle, [])
            n += 1
    if plain:
        plain.close()
    print("gen_corpus: %d records in %s (vocabulary %d words)" % (n, a.out, len(sm.vocab)), file=sys.stderr)


if __name__ == "__main__":
    main()
