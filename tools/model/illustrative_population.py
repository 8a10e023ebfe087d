#!/usr/bin/env python3
"""Writes content/models/data/sore-sunnmore-07459-illustrativ.json: an
ILLUSTRATIVE start population for Søre Sunnmøre in the layout of SSB table
07459 (JSON-stat 2.0: Region x Kjonn x Alder x Tid). Only the total (47 343
residents in 2015, Volda kommune) is a real figure; the split by sex and age
is a made-up shape. Replace it with the real table (README.md, "Models")."""
import json, math, sys

TOTAL = 47343
ages = list(range(106))
def shape(x, women):
    a = 0.000012 if women else 0.00002
    surv = math.exp(-a / 0.1 * (math.exp(0.1 * x) - 1))   # Gompertz survival
    born = 2015 - x
    cohort = 0.7 if born < 1942 else 1.3 if 1946 <= born <= 1970 else 1.0
    return surv * cohort * (0.85 if 20 <= x <= 34 else 1.0)
w = {(s, x): shape(x, s == "2") for s in ("1", "2") for x in ages}
scale = TOTAL / sum(w.values())
counts = {k: round(v * scale) for k, v in w.items()}
counts[("1", 40)] += TOTAL - sum(counts.values())
codes = ["%03d" % x for x in ages[:-1]] + ["105+"]
doc = {
    "version": "2.0", "class": "dataset",
    "label": "ILLUSTRATIV: Personer etter region, kjønn, alder og år (oppsett som SSB tabell 07459)",
    "note": ["Illustrative data: only the 2015 total (47 343) is real; the age and sex split is invented. "
             "Download the real table 07459 from SSB (samskap README.md, section Models)."],
    "id": ["Region", "Kjonn", "Alder", "Tid"],
    "size": [1, 2, 106, 1],
    "dimension": {
        "Region": {"label": "region", "category": {"index": {"sore-sunnmore": 0},
                   "label": {"sore-sunnmore": "Søre Sunnmøre (Hareid, Herøy, Sande, Ulstein, Vanylven, Volda, Ørsta)"}}},
        "Kjonn": {"label": "kjønn", "category": {"index": {"1": 0, "2": 1}, "label": {"1": "Menn", "2": "Kvinner"}}},
        "Alder": {"label": "alder", "category": {"index": {c: i for i, c in enumerate(codes)},
                  "label": {c: (c.lstrip("0") or "0") + " år" for c in codes}}},
        "Tid": {"label": "år", "category": {"index": {"2015": 0}}},
    },
    "value": [counts[(s, x)] for s in ("1", "2") for x in ages],
}
json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write("\n")
