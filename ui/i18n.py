"""One translation table for every label the app shows (Chinese first).

``t(key, lang)`` returns the label; a missing key is a programming error and
raises KeyError so it is caught by the tests, not shown as a blank. The
engine speaks English codes and sentences; the functions below turn its
progress messages, errors, role ids and times into the page's language.
"""
from __future__ import annotations

import functools
import re

LANGS = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("内蒙古新能源基地选址", "Inner Mongolia new-energy base siting"),
    "app_subtitle": ("风电、光伏大基地候选区分析（2030年新能源装机目标 2亿千瓦）",
                     "Candidate areas for large wind and solar bases (2030 target: 200 GW)"),
    "language": ("语言 / Language", "语言 / Language"),
    "layers": ("图层", "Layers"),
    "opacity": ("栅格透明度", "Raster opacity"),
    "legend": ("图例", "Legend"),
    "synthetic": ("合成数据", "synthetic"),
    "real": ("真实数据", "real"),
    "real+synthetic": ("真实+合成", "real + synthetic"),
    "user": ("用户数据", "user file"),
    "about": ("关于数据与来源", "About the data"),
    "source": ("来源", "Source"),
    "licence": ("许可", "Licence"),
    "method": ("方法", "Method"),
    "units": ("单位", "Units"),
    "disclaimer": ("边界仅供分析，不作出版用；正式出版地图须经审图并取得审图号。"
                   "标为“合成数据”的图层为示意性数据，决策前请替换为真实数据。",
                   "Boundaries are for analysis, not for publication; official maps need a "
                   "map review number (审图号). Layers marked 'synthetic' are illustrations: "
                   "replace them with real data before any decision."),
    "map_offline_note": ("底图：无（离线运行）。", "Basemap: none (works offline)."),
    "error": ("出错了", "Something went wrong"),
    "role_resource": ("资源", "resource"),
    "role_exclusion": ("排除", "exclusion"),
    "role_encouragement": ("鼓励", "encouragement"),
    "role_constraint": ("约束", "constraint"),
    "role_infrastructure": ("基础设施", "infrastructure"),
    "role_context": ("参考", "context"),
    "loading": ("正在加载数据…", "Loading data…"),
    # scenario controls
    "scenario": ("情景设置", "Scenario"),
    "preset": ("预设情景", "Preset"),
    "preset_default": ("默认", "default"),
    "preset_desert_gobi": ("沙漠戈壁基地", "desert/gobi bases"),
    "preset_mine_restoration": ("采煤沉陷区修复", "mine restoration"),
    "preset_border_belt": ("沿边新能源带", "border belt"),
    "preset_target_300gw": ("3亿千瓦目标", "300 GW target"),
    "apply_preset": ("应用预设", "Apply preset"),
    "tech": ("技术类型", "Technology"),
    "tech_wind": ("风电", "wind"),
    "tech_solar": ("光伏", "solar PV"),
    "tech_hybrid": ("风光互补", "hybrid"),
    "exclusions": ("排除条件", "Exclusions"),
    "ex_redline": ("生态保护红线", "Ecological red line"),
    "ex_water": ("水体与湿地", "Water and wetlands"),
    "ex_urban": ("城镇建设用地", "Urban land"),
    "ex_forest": ("森林", "Forest"),
    "ex_crop_pv": ("耕地（光伏）", "Cropland (PV)"),
    "ex_crop_wind": ("耕地（风电）", "Cropland (wind)"),
    "ex_settle": ("居民点缓冲区", "Settlement buffers"),
    "ex_custom": ("自定义排除区", "Custom exclusion zones"),
    "ex_basic_farmland": ("永久基本农田", "Permanent basic farmland"),
    "ex_urban_boundary": ("城镇开发边界", "Urban development boundary"),
    "ex_needs_layer": ("需导入该图层后生效（未内置）", "applies once you import this layer "
                       "(not bundled)"),
    "buffer_km": ("缓冲距离（千米）", "buffer (km)"),
    "settle_wind_km": ("风电居民点缓冲（千米）", "wind settlement buffer (km)"),
    "settle_pv_km": ("光伏居民点缓冲（千米）", "PV settlement buffer (km)"),
    "slope_wind": ("风电坡度上限（度）", "wind slope limit (°)"),
    "slope_pv": ("光伏坡度上限（度）", "PV slope limit (°)"),
    "slope_note": ("内置坡度为1/12°平均值，偏缓。",
                   "Bundled slope is a 1/12° average: too gentle."),
    "border_strip": ("边境管控带（千米，排除）", "border frontier strip (km, excluded)"),
    "encouragement": ("鼓励用地加分", "Encouraged land bonus"),
    "bonus_desert": ("沙漠戈壁（分）", "desert/gobi (points)"),
    "bonus_sandy": ("沙地治理区（分）", "sandy land (points)"),
    "bonus_mine": ("采煤沉陷/矿区修复（分）", "mine restoration (points)"),
    "bonus_border": ("沿边地带2–50千米（分）", "border belt 2-50 km (points)"),
    "weights": ("指标权重", "Criteria weights"),
    "weight_mode": ("权重方式", "Weighting"),
    "mode_direct": ("直接赋权", "direct"),
    "mode_ahp": ("层次分析法（AHP）", "AHP pairwise"),
    "crit_resource": ("资源（风速/辐射）", "resource (wind/GHI)"),
    "crit_grid": ("距变电站", "distance to substation"),
    "crit_load": ("距负荷中心", "distance to load centre"),
    "crit_slope": ("坡度", "slope"),
    "crit_encouragement": ("鼓励用地占比", "encouraged land share"),
    "normalised": ("归一化权重", "normalised weights"),
    "ahp_help": ("填写上三角：行指标相对列指标的重要性（1–9，或其倒数）。",
                 "Fill the upper triangle: how much more important the row is than the "
                 "column (1-9 or reciprocals)."),
    "cr": ("一致性比率 CR", "consistency ratio CR"),
    "cr_bad": ("CR ≥ 0.1：判断矩阵不一致，请修改后再使用结果。",
               "CR ≥ 0.1: the judgements contradict each other; revise the matrix."),
    "capacity_cost": ("装机、发电与成本", "Capacity, yield and cost"),
    "cap_wind": ("风电装机密度（MW/km²）", "wind density (MW/km²)"),
    "cap_pv": ("光伏装机密度（MW/km²）", "PV packing density (MW/km²)"),
    "cap_pv_share": ("光伏可用地利用比例", "PV share of available land"),
    "cap_pv_mine": ("修复区光伏密度（MW/km²）", "PV density on restoration land (MW/km²)"),
    "hub": ("轮毂高度（米）", "hub height (m)"),
    "losses": ("风电其他损失（尾流、可用率、限电另计）",
               "other wind losses (wake, availability, curtailment counted separately)"),
    "pr": ("光伏系统效率PR", "PV performance ratio"),
    "capex_wind": ("风电单位投资（元/kW）", "wind capex (CNY/kW)"),
    "capex_pv": ("光伏单位投资（元/kW）", "PV capex (CNY/kW)"),
    "rate": ("折现率", "discount rate"),
    "life": ("经营期（年）", "lifetime (years)"),
    "line_cost": ("送出线路（元/MW·km）", "grid line (CNY/MW·km)"),
    "sub_cost": ("升压站（元/kW）", "substation (CNY/kW)"),
    "shortlist_rules": ("优选与基地", "Shortlist and bases"),
    "min_score": ("最低得分", "minimum score"),
    "sl_size": ("地图最多绘制的优选地块数（不影响合计）",
                "most shortlisted parcels drawn on the map (totals are never cut)"),
    "leagues_filter": ("盟市筛选（空=全部）", "leagues (empty = all)"),
    "land_filter": ("用地类型筛选（空=全部）", "land types (empty = all)"),
    "base_min_gw": ("基地最小规模（GW）", "minimum base size (GW)"),
    "contiguity": ("相邻规则", "contiguity"),
    "target": ("2030年目标（GW）", "2030 target (GW)"),
    "save_load": ("保存 / 载入情景", "Save / load scenario"),
    "download_yaml": ("下载情景 YAML", "Download scenario YAML"),
    "upload_yaml": ("载入情景文件", "Load a scenario file"),
    "paste_yaml": ("或粘贴情景 YAML", "or paste scenario YAML"),
    "load_pasted": ("载入粘贴内容", "Load pasted YAML"),
    "loaded": ("已载入情景", "Scenario loaded"),
    "map_layers": ("地图图层", "Map layers"),
    "basemap": ("底图", "Basemap"),
    "basemap_none": ("无（离线）", "none (offline)"),
    "basemap_osm": ("OpenStreetMap（联网）", "OpenStreetMap (online)"),
    "basemap_tianditu_vec": ("天地图 矢量（需密钥）", "Tianditu vector (key)"),
    "basemap_tianditu_img": ("天地图 影像（需密钥）", "Tianditu imagery (key)"),
    "basemap_tianditu_ter": ("天地图 地形（需密钥）", "Tianditu terrain (key)"),
    "tianditu_key": ("天地图密钥 tk", "Tianditu key (tk)"),
    "gcj_note": ("不提供高德底图：其为GCJ-02坐标，会使数据偏移0.3–0.6千米。",
                 "Amap/Gaode tiles are not offered: they are GCJ-02 and would shift data "
                 "by 0.3-0.6 km."),
    "raster_layer": ("栅格图层", "Raster layer"),
    "score_layer": ("综合得分", "Score"),
    "excl_layer": ("排除比例", "Excluded share"),
    "show_shortlist": ("优选地块", "Shortlisted parcels"),
    "show_bases": ("候选基地", "Candidate bases"),
    "computing": ("正在计算地块特征（首次约10–20秒）…",
                  "Computing parcel features (first time ~10-20 s)…"),
    "m_capacity": ("优选装机", "Shortlisted capacity"),
    "m_energy": ("年发电量", "Annual energy"),
    "m_bases": ("候选基地数", "Candidate bases"),
    "m_share": ("占2030年目标", "Share of 2030 target"),
    "m_parcels": ("入选地块", "Shortlisted parcels"),
    "shortlist_table": ("优选地块清单", "Shortlist"),
    "bases_table": ("候选基地", "Candidate bases"),
    "league_chart": ("各盟市优选装机与目标", "Shortlisted capacity by league vs target"),
    "details": ("地块 / 基地详情（点击地图）", "Parcel / base details (click the map)"),
    "click_hint": ("点击地图上的任一地块查看全部指标。",
                   "Click any parcel on the map to see all its figures."),
    "no_parcel": ("该位置不在任何候选地块内。", "No candidate parcel at that point."),
    "in_shortlist": ("已入选优选清单", "in the shortlist"),
    "not_in_shortlist": ("未入选", "not shortlisted"),
    "why": ("原因", "why"),
    "wind_class": ("风功率密度等级（GB/T 18710）", "Wind power class (GB/T 18710)"),
    "solar_class": ("太阳能资源等级（GB/T 31155）", "Solar resource class (GB/T 31155)"),
    "group_west": ("西部", "west"),
    "group_central": ("中部", "central"),
    "group_east": ("东部", "east"),
    "downloads": ("导出", "Downloads"),
    "warning_weights": ("权重矩阵不一致（CR ≥ 0.1）", "Inconsistent AHP matrix (CR ≥ 0.1)"),
    "land_desert": ("沙漠戈壁", "desert/gobi"),
    "land_sandy": ("沙地治理区", "sandy land"),
    "land_mine": ("矿区修复", "mine restoration"),
    "land_border": ("沿边地带", "border belt"),
    "land_other": ("其他", "other"),
    "total_vs_target": ("优选合计 / 目标", "shortlist total / target"),
    # downloads
    "dl_format": ("格式", "Format"),
    "dl_crs": ("坐标系（GPKG/SHP）", "CRS (GPKG/SHP)"),
    "dl_encoding": ("Shapefile 属性编码", "Shapefile text encoding"),
    "dl_make": ("生成文件", "Prepare file"),
    "mask_title": ("适宜性掩膜（云优化 GeoTIFF，等积投影）",
                   "Eligibility mask (Cloud-Optimised GeoTIFF, equal-area CRS)"),
    "mask_note": ("1 = 可用，0 = 排除，255 = 地块以外；或每个地块的可用比例（%）。"
                  "可在 QGIS、ArcGIS 中直接打开；与命令行 `run --mask` 相同。",
                  "1 = eligible, 0 = excluded, 255 = outside the parcels; or each parcel's "
                  "eligible share (%). Opens in QGIS or ArcGIS; the same as the CLI's "
                  "`run --mask`."),
    "mask_resolution": ("像元大小（米）", "Cell size (m)"),
    "mask_fraction": ("按地块可用比例（%）", "Each parcel's eligible share (%)"),
    "mask_make": ("生成掩膜", "Prepare mask"),
    "dl_get": ("下载", "Download"),
    "dl_note": ("导出文件均附带情景与数据来源（真实/合成）。",
                "Every export carries the scenario and the data provenance (real/synthetic)."),
    # import
    "import": ("导入自有数据", "Import your own data"),
    "import_role": ("数据用途", "Role"),
    "import_files": ("文件（Shapefile 请同时选择 .shp/.shx/.dbf/.prj/.cpg，或上传 zip）",
                     "File(s) (a Shapefile: select .shp/.shx/.dbf/.prj/.cpg together, or a zip)"),
    "import_crs": ("坐标系（无 .prj 时填写，如 EPSG:4490）",
                   "CRS if the file has none (e.g. EPSG:4490)"),
    "import_encoding": ("属性编码（自动检测）", "Attribute encoding (auto-detected)"),
    "import_go": ("导入", "Import"),
    "import_ok": ("导入成功", "Imported"),
    "import_use": ("在当前情景中使用", "Use in the current scenario"),
    "import_used": ("已替换情景中的图层：", "Scenario now uses: "),
    "import_unused": ("此用途暂不参与评分，仅存入工作区：", "This role is stored in the workspace "
                      "but not used by the scoring yet: "),
    # library
    "library": ("情景库", "Scenario library"),
    "lib_name": ("情景名称", "Name"),
    "lib_note": ("备注", "Note"),
    "lib_save": ("保存当前情景", "Save current scenario"),
    "lib_saved": ("已保存", "Saved"),
    "lib_pick": ("已保存的情景", "Saved scenarios"),
    "lib_load": ("载入", "Load"),
    "lib_dup": ("复制", "Duplicate"),
    "lib_delete": ("删除", "Delete"),
    "lib_empty": ("情景库为空。", "The library is empty."),
    "compare": ("情景对比", "Compare scenarios"),
    "compare_a": ("情景 A", "Scenario A"),
    "compare_b": ("情景 B", "Scenario B"),
    "compare_go": ("对比", "Compare"),
    "entered": ("新进入优选", "entered the shortlist"),
    "left": ("退出优选", "left the shortlist"),
    "kept": ("保留", "kept"),
    "current": ("（当前情景）", "(current scenario)"),
    # widgets the engine names by code
    "choose": ("请选择", "Choose options"),
    "contig_queen": ("八邻域（边或角相接）", "queen (8 neighbours)"),
    "contig_rook": ("四邻域（仅边相接）", "rook (4 neighbours)"),
    "units_choice": ("显示单位", "Display units"),
    "units_gw": ("GW / TWh", "GW / TWh"),
    "units_wan": ("万千瓦 / 亿千瓦时", "万千瓦 / 亿千瓦时 (10⁴ kW / 10⁸ kWh)"),
    # messages of the app itself
    "not_utf8": ("文件“{name}”不是 UTF-8 编码的文本；请用 UTF-8 另存后再载入。",
                 "{name} is not UTF-8 text; save it as UTF-8 and load it again."),
    "err_unexpected": ("程序出现意外错误（详情已写入日志，请告知维护人员）",
                       "Unexpected error (details are in the log; please tell the maintainers)"),
    "err_detail_en": ("详情（英文原文）", "details"),
    "err_input": ("输入有误", "Invalid input"),
    "err_scenario": ("情景参数有误", "Invalid scenario settings"),
    "err_data": ("数据文件有误", "Problem with a data file"),
    "err_unsafe": ("文件不安全，已拒绝", "File refused as unsafe"),
    "err_crs": ("坐标系有误", "Problem with the coordinate system"),
    "err_layer": ("找不到图层或文件", "Layer or file not found"),
    "err_grid": ("分析网格参数有误", "Invalid analysis grid"),
    "err_library": ("情景库操作失败", "Scenario library problem"),
    "err_dask": ("分布式计算（Dask）不可用", "Distributed computing (Dask) unavailable"),
    "err_encoding": ("文件编码有误", "Text encoding problem"),
    # import summary
    "imp_id": ("图层编号", "Layer id"),
    "imp_source": ("源文件", "Source file"),
    "imp_format": ("格式", "Format"),
    "imp_kind": ("类型", "Kind"),
    "imp_crs": ("原坐标系", "Source CRS"),
    "imp_coverage": ("覆盖研究区比例", "Share of the region covered"),
    "imp_features": ("要素数", "Features"),
    "imp_size": ("栅格大小（列×行）", "Raster size (columns × rows)"),
    "imp_range": ("数值范围", "Value range"),
    "imp_encoding": ("属性编码", "Attribute encoding"),
    "imp_at": ("导入时间", "Imported at"),
    "imp_notes": ("说明", "Notes"),
    "kind_raster": ("栅格", "raster"),
    "kind_vector": ("矢量", "vector"),
    "saved_at": ("保存时间", "Saved at"),
    "item": ("项目", "Item"),
    "value": ("内容", "Value"),
    # --- app fixes (issue 10 item 5): AHP editor, target, map, library copy ---
    "ahp_title": ("权重（层次分析法）", "Weights (AHP)"),
    "ahp_pairs_help": ("每行比较两个指标：向左表示左侧指标更重要，向右表示右侧更重要。"
                       "只需填写这些两两比较，完整判断矩阵自动推导。",
                       "Each row compares two criteria: slide towards the one that matters "
                       "more. Only these pairs are edited; the full matrix is derived."),
    "ahp_matrix": ("判断矩阵（自动推导，只读）", "Pairwise matrix (derived, read-only)"),
    "ahp_matrix_note": ("对角线为1，下三角为上三角的倒数。",
                        "Diagonal 1; the lower triangle is the reciprocal of the upper."),
    "ahp_in_main": ("层次分析法的两两比较在页面主区域“权重（层次分析法）”中编辑。",
                    "Edit the AHP pairwise comparisons in the main area, "
                    "“Weights (AHP)”."),
    "criterion": ("指标", "criterion"),
    "weight": ("权重", "weight"),
    "cr_ok": ("判断一致，可以使用这些权重。", "consistent: these weights can be used."),
    "cr_revise": ("判断相互矛盾（CR ≥ 0.1），请修改这些比较：",
                  "the judgements contradict each other (CR ≥ 0.1); revise these pairs:"),
    "saaty_1": ("同等重要", "equally important"),
    "saaty_3": ("稍重要", "moderately more important"),
    "saaty_5": ("明显重要", "strongly more important"),
    "saaty_7": ("强烈重要", "very strongly more important"),
    "saaty_9": ("极端重要", "extremely more important"),
    "saaty_between": ("介于相邻两级之间", "between the neighbouring levels"),
    "weights_share": ("归一化后", "normalised"),
    "target_help": ("政策值：2亿千瓦（200 GW，2030年目标）；3亿千瓦（300 GW，提高目标预设）。",
                    "Policy values: 200 GW (the 2030 target) and 300 GW (raised-target "
                    "preset)."),
    "target_200": ("200 GW（2030年目标）", "200 GW (2030 target)"),
    "target_300": ("300 GW（提高目标）", "300 GW (raised target)"),
    "vector_opacity": ("矢量填充透明度", "Vector fill opacity"),
    "layer_control_note": ("地图右上角的图层按钮可逐层显示/隐藏。",
                           "The layer button at the map's top right shows or hides each "
                           "layer."),
    "redline_outline": ("虚线轮廓", "dashed outline"),
    "lib_copy_suffix": ("副本", "copy"),
    "lib_copied": ("已复制为", "Copied as"),
    "encoding_auto": ("自动检测", "detect automatically"),
    "cap_gw": ("装机（GW）", "capacity (GW)"),
    # --- ranking (issue 11) ---
    "rank_by": ("排序依据", "Rank by"),
    "rank_by_score": ("综合评分", "score"),
    "rank_by_lcoe": ("度电成本", "LCOE"),
    "sl_multiple": ("优选规模（目标的倍数）", "Shortlist size (× target)"),
    "sl_multiple_help": ("按排序依次选入地块，直到装机达到 目标 × 此倍数；1.0 即恰好达到目标。",
                         "Parcels are taken in rank order until capacity reaches target × this "
                         "multiple; 1.0 is exactly the target."),
    "east_cap": ("东部集中式装机上限（GW）", "East centralised cap (GW)"),
    "east_cap_help": ("自治区实施意见：东部地区以分布式新能源为主，适当发展集中式新能源。"
                      "默认为 2030 年目标的 10%（假设）。",
                      "The region's plan: the east is mainly distributed, centralised only "
                      "where it fits. Default 10% of the 2030 target (assumption)."),
    "supply_title": ("供给曲线与政策对照", "Supply curve and the policy at a glance"),
    "orders_title": ("两种排序的合计", "Totals under both orders"),
    "policy_title": ("分区与鼓励类用地", "Groups and encouraged land"),
    "breakdown_title": ("得分构成", "Score breakdown"),
    # --- bases around connection points (issue 12) ---
    "base_details": ("所属基地及其并网点", "Its base and connection point"),
    "base_method": ("基地划分方式", "Bases formed by"),
    "base_method_connection": ("按并网点（容量约束）", "connection point (capacity-bounded)"),
    "base_method_contiguity": ("相邻地块合并", "touching parcels"),
    "base_max_gw": ("单个基地最大装机（GW）", "largest base (GW)"),
    "base_extent": ("基地最大跨度（km）", "largest base extent (km)"),
    "grid_over": ("并网点容量已满时", "When a connection point is full"),
    "grid_over_next": ("改接下一个有余量的并网点", "go to the next point with room"),
    "grid_over_upgrade": ("扩建并网点（计入扩建费用）", "upgrade the point (cost included)"),
    "corridor_title": ("特高压外送通道：新能源容量与本方案的占用",
                       "UHV export corridors: new-energy capacity and this result's fill"),
    "unconnected_note": ("优选地块中有 {gw} 未能接入现有并网点（并网点容量已满或距离超过上限）："
                         "需要新建或扩建电网，未计入候选基地。",
                         "{gw} of the shortlist found no connection point with room within "
                         "reach: it needs new or upgraded grid and is not in any candidate "
                         "base."),
    # --- hardening: re-import and damaged library files ---
    "import_exists": ("工作区已有同名图层，确认替换后旧图层才会被覆盖：",
                      "The workspace already holds this layer; it is kept unless you "
                      "replace it: "),
    "import_replace": ("替换已有图层", "Replace the existing layer"),
    "lib_damaged": ("情景文件已损坏，未列出", "Damaged scenario file, not listed"),
}


def t(key: str, lang: str = "zh") -> str:
    """The label ``key`` in ``lang`` ('zh' or 'en')."""
    zh, en = LABELS[key]
    return zh if lang == "zh" else en


# --- names the engine gives by code ----------------------------------------------------

#: Contiguity rules of ``siting.bases`` (codes stored in scenarios).
CONTIGUITY = ("queen", "rook")


def contiguity_name(code: str, lang: str = "zh") -> str:
    """'queen' -> '八邻域（边或角相接）' / 'queen (8 neighbours)'."""
    return t(f"contig_{code}", lang)


def role_name(role: str, lang: str = "zh") -> str:
    """An import role id by its name, e.g. 'redline' -> '生态保护红线' (English: its name_en).

    An id that is not an import role is shown as it is (a programming error
    elsewhere, never a crash on the page).
    """
    from layers.importer import IMPORT_ROLES

    spec = IMPORT_ROLES.get(role)
    if spec is None:
        return role
    return spec.name_zh if lang == "zh" else spec.name_en


def role_label(role: str, lang: str = "zh") -> str:
    """Selectbox text of an import role: its name and, for the expert, the id."""
    return f"{role_name(role, lang)}（{role}）" if lang == "zh" else \
        f"{role_name(role, lang)} ({role})"


@functools.lru_cache(maxsize=1)
def _layer_names() -> dict[str, tuple[str, str]]:
    from layers.catalog import load_catalog

    return {i.id: (i.name_zh, i.name_en) for i in load_catalog().values()}


def layer_name(layer_id: str, lang: str = "zh") -> str:
    """A catalog layer id by its name ('wind_speed_100m' -> '100米高度年平均风速')."""
    names = _layer_names().get(layer_id)
    if names is None:
        return role_name(layer_id, lang)
    return names[0] if lang == "zh" else names[1]


# --- progress messages -----------------------------------------------------------------

#: Engine progress messages (siting/, layers/) -> (Chinese, English).
PROGRESS: dict[str, tuple[str, str]] = {
    "parcels": ("划分候选地块", "parcels"),
    "resource layers → grid": ("资源图层重采样到分析网格", "resource layers → grid"),
    "zonal statistics": ("分区统计", "zonal statistics"),
    "exclusions": ("合并排除区", "exclusions"),
    "encouraged land": ("鼓励用地", "encouraged land"),
    "exclusion overlays": ("叠加排除区", "exclusion overlays"),
    "distances": ("计算距离（变电站、负荷中心、国境线）", "distances"),
    "features ready": ("地块特征已就绪", "features ready"),
    "scoring": ("评分", "scoring"),
    "done": ("完成", "done"),
    "reading": ("读取", "reading"),
    "checking the file": ("检查文件", "checking the file"),
    "checking geometries": ("检查几何图形", "checking geometries"),
    "writing": ("写入", "writing"),
    "saving to the workspace": ("保存到工作区", "saving to the workspace"),
}

#: "<step> 3/8" (a counter) and "reading <layer id>" (a layer).
_COUNTER = re.compile(r"^(?P<step>.+?) (?P<done>\d+)/(?P<total>\d+)$")
_READING = re.compile(r"^reading (?P<layer>[A-Za-z0-9_]+)$")


def translate_progress(message: str, lang: str = "zh") -> str | None:
    """The progress ``message`` in ``lang``, or None when the message is not known."""
    pick = 0 if lang == "zh" else 1
    if message in PROGRESS:
        return PROGRESS[message][pick]
    counter = _COUNTER.match(message)
    if counter and counter["step"] in PROGRESS:
        return f"{PROGRESS[counter['step']][pick]} {counter['done']}/{counter['total']}"
    reading = _READING.match(message)
    if reading:
        return f"{PROGRESS['reading'][pick]} {layer_name(reading['layer'], lang)}"
    return None


def progress_text(message: str, lang: str = "zh") -> str:
    """An engine progress message for the page: '叠加排除区 3/8', '读取 100米高度年平均风速'.

    An unknown message (a test catches every literal in the source) is shown
    as it is rather than hidden.
    """
    return translate_progress(message, lang) or message


# --- errors ----------------------------------------------------------------------------

#: Plain SitingError messages that are about the scenario (start of the message).
_SCENARIO_PREFIXES = ("invalid scenario", "scenario ", "unknown preset", "weights",
                      "weight ", "AHP matrix", "parcel size", "parcel shape", "contiguity",
                      "unknown layer ids", "buffer must")

#: English engine details translated in full: pattern -> Chinese template.
_DETAILS_ZH = (
    (re.compile(r"^scenario file (?P<name>.+) is not UTF-8 text$"),
     "情景文件“{name}”不是 UTF-8 编码的文本；请用 UTF-8 另存后再载入。"),
    (re.compile(r"^scenario file not found: (?P<path>.+)$"), "找不到情景文件：{path}"),
    (re.compile(r"^(?P<name>.+) is not UTF-8 text$"),
     "文件“{name}”不是 UTF-8 编码的文本；请用 UTF-8 另存后再载入。"),
    (re.compile(r"^unknown preset '(?P<name>.+)'; presets: (?P<allowed>.+)$"),
     "没有名为“{name}”的预设情景；可选：{allowed}"),
)


def error_headline(exc: BaseException, lang: str = "zh") -> str:
    """The kind of problem, by error class: 数据文件有误, 坐标系有误, 情景参数有误 …"""
    from layers import errors as layer_errors
    from siting import errors

    try:
        from siting.distributed import DaskError
    except ImportError:  # pragma: no cover - distributed is part of the engine
        DaskError = ()  # noqa: N806
    kinds = ((layer_errors.UnsafeFileError, "err_unsafe"), (layer_errors.CRSError, "err_crs"),
             (layer_errors.LayerNotFoundError, "err_layer"),
             (layer_errors.DataFileError, "err_data"),
             (errors.UnsafeFileError, "err_unsafe"), (errors.CRSError, "err_crs"),
             (errors.LayerNotFoundError, "err_layer"), (errors.DataFileError, "err_data"),
             (errors.GridError, "err_grid"), (errors.LibraryError, "err_library"),
             (DaskError, "err_dask"), (UnicodeError, "err_encoding"))
    for cls, key in kinds:
        if cls and isinstance(exc, cls):
            return t(key, lang)
    if isinstance(exc, (errors.SitingError, layer_errors.LayerError)):
        scenario = str(exc).startswith(_SCENARIO_PREFIXES)
        return t("err_scenario" if scenario else "err_input", lang)
    return t("err_unexpected", lang)


def error_detail(exc: BaseException, lang: str = "zh") -> tuple[str, bool]:
    """(detail text, translated?) for ``exc``; unknown details stay in English."""
    from ui.user_errors import USER_ERRORS

    message = str(exc)
    if not isinstance(exc, USER_ERRORS):  # the class name says what failed
        message = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if lang == "zh":
        if getattr(exc, "zh", None) and isinstance(exc, USER_ERRORS):
            return exc.zh, True
        for pattern, template in _DETAILS_ZH:
            found = pattern.match(message)
            if found:
                return template.format(**found.groupdict()), True
    return message, lang != "zh"


def error_text(exc: BaseException, lang: str = "zh") -> str:
    """What the page says about ``exc``: a headline in ``lang``, then the detail.

    Engine errors carry an English sentence (``str(exc)``) and a Chinese one
    (``exc.zh``) with the same facts; the Chinese page shows ``exc.zh``. A
    detail with no Chinese text (an error from outside the engine) is marked
    as the English original unless a full translation is known.

    >>> from siting.errors import CRSError
    >>> error_text(CRSError("x.shp has no CRS"))
    '坐标系有误。详情（英文原文）：x.shp has no CRS'
    >>> error_text(CRSError("x.shp has no CRS", zh="x.shp 没有坐标系"))
    '坐标系有误。x.shp 没有坐标系'
    """
    headline = error_headline(exc, lang)
    detail, translated = error_detail(exc, lang)
    if not detail:
        return headline
    if lang == "zh":
        return f"{headline}。{detail}" if translated else \
            f"{headline}。{t('err_detail_en', lang)}：{detail}"
    return f"{headline}: {detail}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:])")


def as_markdown(text: str) -> str:
    """``text`` escaped so Streamlit's Markdown (st.error, st.markdown) shows it literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


# --- times -----------------------------------------------------------------------------

def time_text(value, lang: str = "zh") -> str:
    """A stored ISO time in China Standard Time: '2026-12-01 10:53 (北京时间)'."""
    from siting.clock import display_time

    return display_time(value, lang)


# --- import summary --------------------------------------------------------------------

def import_summary_rows(summary: dict, lang: str = "zh") -> list[tuple[str, str]]:
    """(label, value) rows of an import summary (``ImportSummary.to_dict()``) for a table.

    Role by name, kind and time in ``lang``; file names and CRS stay as they are.
    """
    rows = [(t("import_role", lang), role_label(summary.get("role", ""), lang)),
            (t("imp_id", lang), summary.get("id", "")),
            (t("imp_source", lang), summary.get("source", "")),
            (t("imp_format", lang), str(summary.get("format", "")).upper()),
            (t("imp_kind", lang), t(f"kind_{summary['kind']}", lang)
             if summary.get("kind") in ("raster", "vector") else str(summary.get("kind", ""))),
            (t("imp_crs", lang), summary.get("crs", "")),
            (t("imp_coverage", lang), f"{float(summary.get('coverage') or 0):.0%}")]
    if summary.get("features") is not None:
        rows.append((t("imp_features", lang), f"{summary['features']:,}"))
    if summary.get("width") is not None:
        rows.append((t("imp_size", lang), f"{summary['width']} × {summary['height']}"))
    if summary.get("value_range"):
        low, high = summary["value_range"][:2]
        rows.append((t("imp_range", lang), f"{low:g} – {high:g} {summary.get('units', '')}"
                     .strip()))
    if summary.get("encoding"):
        rows.append((t("imp_encoding", lang), str(summary["encoding"]).upper()))
    rows.append((t("imp_at", lang), time_text(summary.get("imported_at", ""), lang)))
    for note in summary.get("notes") or []:
        rows.append((t("imp_notes", lang), str(note)))
    return rows


def import_summary_frame(summary: dict, lang: str = "zh"):
    """``import_summary_rows`` as a two-column DataFrame (项目, 内容) for ``st.dataframe``."""
    import pandas as pd

    return pd.DataFrame(import_summary_rows(summary, lang),
                        columns=[t("item", lang), t("value", lang)])
