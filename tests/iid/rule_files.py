"""A small valid rule file that each check test breaks in one place, and a line finder."""

from __future__ import annotations

from pathlib import Path

#: Maxima: region 2 x 3 = 6, per innovation 3 x 3 = 9, count 5: total 20 (shares 30% / 70%).
MINI = """\
year = 2030
title = "Indeks uji 2030"

[[sources]]
id = "S1"
url = "https://example.org/pedoman-2030"

[scoring]
max_level = 3
divisor_min = 10
spd_max = 6
sid_per_innovation_max = 9
total_max = 20
index_decimals = 2

[[predicates]]
key = "sangat_inovatif"
name = "Sangat Inovatif"
min = 60.01
max = 100.00

[[predicates]]
key = "inovatif"
name = "Inovatif"
min = 35.00
max = 60.00

[[predicates]]
key = "kurang_inovatif"
name = "Kurang Inovatif"
min = 0.01
max = 34.99

[[predicates]]
key = "tidak_dapat_dinilai"
name = "Tidak Dapat Dinilai"
min = 0.00
max = 0.00

[[aspects]]
code = "SPD"
name = "Satuan Pemerintahan Daerah"
scope = "region"
share_pct = 30

[[aspects]]
code = "SID"
name = "Satuan Inovasi Daerah"
scope = "innovation"
share_pct = 70

[[evidence_kinds]]
key = "video"
fields = ["tentang", "link"]
file_types = ["mp4"]
link = true

[[indicators]]
code = "SPD-01"
number = 1
aspect = "SPD"
name = "Visi dan Misi"
weight = 2
source = "S1"

[[indicators.levels]]
level = 1
parameter = "misi"
score = 2

[[indicators.levels]]
level = 2
parameter = "visi"
score = 4

[[indicators.levels]]
level = 3
parameter = "visi dan misi"
score = 6

[[indicators]]
code = "SID-02"
number = 2
aspect = "SID"
name = "Video inovasi"
weight = 3
role = "video"

[[indicators.evidence]]
kinds = ["video"]
description = "Video paling lama 5 menit"

[indicators.derive]
counts = "unsur"
bands = [
  { min = 1, max = 2, level = 1 },
  { min = 3, max = 4, level = 2 },
  { min = 5, max = 5, level = 3 },
]

[[indicators.levels]]
level = 1
parameter = "1-2 unsur"
score = 3

[[indicators.levels]]
level = 2
parameter = "3-4 unsur"
score = 6

[[indicators.levels]]
level = 3
parameter = "5 unsur"
score = 9

[count_rule]
code = "SID-03"
number = 3
name = "Jumlah inovasi"
points_per_innovation = 0.5
cap_innovations = 10
max_score = 5
"""


def line_of(path: Path, needle: str, after: str | None = None) -> int:
    """The number of the first line holding ``needle`` (after the line holding ``after``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(n for n, text in enumerate(lines) if after in text)
    return next(n for n, text in enumerate(lines[start:], start + 1) if needle in text)
