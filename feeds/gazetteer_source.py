"""How ``feeds/data/gazetteer_cn.csv`` is made: China's provinces and prefecture-level divisions.

    .venv/bin/python -m feeds.gazetteer_source ADCODES_CSV NATIONS_CSV > feeds/data/gazetteer_cn.csv

The source is the ``cpca`` package's ``resources/adcodes.csv`` and ``resources/56_nations.csv`` (cpca 0.5.5,
MIT licence, (c) 2018 QinYuan Du, github.com/DQinYuan/chinese_province_city_area_mapper; administrative codes
of the National Bureau of Statistics). Kept: provinces (``PP0000…``) and prefecture-level divisions
(``PPCC00…``), without the placeholders (市辖区, 县, 省直辖县级行政区划). The short name drops the
kind (市, 省, 地区, 盟, 自治州, 自治区, 特别行政区) and, for autonomous ones, the peoples named before it
(延边朝鲜族自治州 -> 延边, 新疆维吾尔自治区 -> 新疆).
"""

from __future__ import annotations

import csv
import io
import sys

PROVINCES = {
    "11": ("Beijing", "municipality"),
    "12": ("Tianjin", "municipality"),
    "13": ("Hebei", "province"),
    "14": ("Shanxi", "province"),
    "15": ("Inner Mongolia", "autonomous region"),
    "21": ("Liaoning", "province"),
    "22": ("Jilin", "province"),
    "23": ("Heilongjiang", "province"),
    "31": ("Shanghai", "municipality"),
    "32": ("Jiangsu", "province"),
    "33": ("Zhejiang", "province"),
    "34": ("Anhui", "province"),
    "35": ("Fujian", "province"),
    "36": ("Jiangxi", "province"),
    "37": ("Shandong", "province"),
    "41": ("Henan", "province"),
    "42": ("Hubei", "province"),
    "43": ("Hunan", "province"),
    "44": ("Guangdong", "province"),
    "45": ("Guangxi", "autonomous region"),
    "46": ("Hainan", "province"),
    "50": ("Chongqing", "municipality"),
    "51": ("Sichuan", "province"),
    "52": ("Guizhou", "province"),
    "53": ("Yunnan", "province"),
    "54": ("Tibet", "autonomous region"),
    "61": ("Shaanxi", "province"),
    "62": ("Gansu", "province"),
    "63": ("Qinghai", "province"),
    "64": ("Ningxia", "autonomous region"),
    "65": ("Xinjiang", "autonomous region"),
    "71": ("Taiwan", "province"),
    "81": ("Hong Kong", "special administrative region"),
    "82": ("Macau", "special administrative region"),
}
PREFECTURE_KINDS = (
    ("自治州", "autonomous prefecture"),
    ("地区", "prefecture"),
    ("盟", "league"),
    ("市", "prefecture-level city"),
)
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
SUFFIXES = ("特别行政区", "自治区", "自治州", "地区", "省", "市", "盟")


def short_name(full: str, peoples: list[str]) -> str:
    """``滨州市`` -> ``滨州``, ``延边朝鲜族自治州`` -> ``延边``, ``广西壮族自治区`` -> ``广西``."""
    name = next((full[: -len(s)] for s in SUFFIXES if full.endswith(s) and len(full) > len(s) + 1), full)
    while full.endswith(("自治州", "自治区")):
        people = next((p for p in peoples if name.endswith(p) and len(name) > len(p) + 1), None)
        if people is None:
            break
        name = name[: -len(people)]
    return name


def rows(adcodes: str, nations: str) -> list[list[str]]:
    """(name, full name, kind, province) rows, provinces first, in code order."""
    names = [line.strip() for line in nations.splitlines() if line.strip()]
    bare = [name[:-1] for name in names if name.endswith("族") and len(name) >= 3]  # 新疆维吾尔自治区
    peoples = sorted(names + bare, key=len, reverse=True)
    found: list[tuple[str, list[str]]] = []
    for record in csv.DictReader(io.StringIO(adcodes)):
        code, full = record["adcode"], record["name"]
        province, kind = PROVINCES.get(code[:2], ("", ""))
        if not province or not code.endswith("00000000") or full in PLACEHOLDERS:
            continue
        if code[2:4] == "00":
            found.append((f"0{code}", [short_name(full, peoples), full, kind, ""]))
            continue
        prefecture = next((label for suffix, label in PREFECTURE_KINDS if full.endswith(suffix)), None)
        if prefecture is not None:
            found.append((f"1{code}", [short_name(full, peoples), full, prefecture, province]))
    return [row for _, row in sorted(found)]


def main(adcodes_path: str, nations_path: str) -> None:
    with open(adcodes_path, encoding="utf-8") as a, open(nations_path, encoding="utf-8") as n:
        table = rows(a.read(), n.read())
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["name", "full_name", "kind", "province"])
    out.writerows(table)


if __name__ == "__main__":
    main(*sys.argv[1:3])
