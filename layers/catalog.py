"""The layer catalog (``layers/catalog.yaml``): ids, names, roles, provenance.

Scenarios, the CLI and exports refer to layers by id; this module resolves an
id to its bundled file, or to the user's replacement file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from layers.errors import LayerError, LayerNotFoundError

REPO_DIR = Path(__file__).resolve().parents[1]
#: The bundled default dataset.
DATA_DIR = REPO_DIR / "data"
CATALOG_PATH = Path(__file__).resolve().with_name("catalog.yaml")
#: Provenance file written by ``python -m data.build``; the app's About panel
#: and every export repeat it.
PROVENANCE_PATH = DATA_DIR / "provenance.json"

ROLES = ("resource", "exclusion", "encouragement", "constraint", "infrastructure", "context")
KINDS = ("raster", "vector")
PROVENANCE_TYPES = ("real", "synthetic", "real+synthetic")
#: Provenance texts every entry gives in English and, as ``<key>_zh``, in Chinese.
PROVENANCE_TEXTS = ("source", "licence", "method")


@dataclass(frozen=True)
class LayerInfo:
    """One catalog entry. ``path`` is absolute; ``layer`` names a GeoPackage layer."""

    id: str
    name_zh: str
    name_en: str
    role: str
    kind: str
    units: str
    path: Path
    provenance: dict
    layer: str | None = None
    display: dict = field(default_factory=dict)

    @property
    def is_synthetic(self) -> bool:
        """True when any part of the layer is generated rather than measured."""
        return "synthetic" in self.provenance.get("type", "")

    def name(self, lang: str = "zh") -> str:
        """Display name in ``lang`` ('zh' or 'en')."""
        return self.name_zh if lang == "zh" else self.name_en

    def provenance_in(self, lang: str = "zh") -> dict[str, str]:
        """``source``, ``licence`` and ``method`` in ``lang``: the ``*_zh`` texts in
        Chinese (the English ones where a Chinese text is missing), English otherwise."""
        p = self.provenance
        return {key: str((p.get(f"{key}_zh") if lang == "zh" else None) or p.get(key, ""))
                for key in PROVENANCE_TEXTS}

    def summary(self) -> dict:
        """Plain dict for listings (``python -m siting layers --json``)."""
        row = {"id": self.id, "name_zh": self.name_zh, "name_en": self.name_en,
               "role": self.role, "kind": self.kind, "units": self.units,
               "provenance": self.provenance.get("type", ""),
               "source": self.provenance.get("source", ""),
               "licence": self.provenance.get("licence", ""),
               "path": str(self.path)}
        if self.layer:
            row["layer"] = self.layer
        return row


def _default_layer(file: str) -> str | None:
    """Bundled GeoPackages hold one layer named after the file."""
    return Path(file).stem if file.endswith(".gpkg") else None


def _entry_to_info(entry: dict, data_dir: Path) -> LayerInfo:
    missing = {"id", "name_zh", "name_en", "role", "kind", "file", "provenance"} - set(entry)
    if missing:
        raise LayerError(f"catalog entry {entry.get('id', '?')!r} lacks {sorted(missing)}",
                          zh=f"图层目录条目 {entry.get('id', '?')!r} 缺少 {sorted(missing)}")
    if entry["role"] not in ROLES:
        raise LayerError(f"catalog entry {entry['id']!r}: role {entry['role']!r} "
                          f"is not one of {ROLES}",
                          zh=f"图层目录条目 {entry['id']!r}：用途 {entry['role']!r} "
                             f"不在 {ROLES} 之中")
    if entry["kind"] not in KINDS:
        raise LayerError(f"catalog entry {entry['id']!r}: kind {entry['kind']!r} "
                          f"is not one of {KINDS}",
                          zh=f"图层目录条目 {entry['id']!r}：类型 {entry['kind']!r} "
                             f"不在 {KINDS} 之中")
    if entry["provenance"].get("type") not in PROVENANCE_TYPES:
        raise LayerError(f"catalog entry {entry['id']!r}: provenance type must be one of "
                          f"{PROVENANCE_TYPES}",
                          zh=f"图层目录条目 {entry['id']!r}：来源类型须为 {PROVENANCE_TYPES} 之一")
    untranslated = [f"{key}_zh" for key in PROVENANCE_TEXTS
                    if entry["provenance"].get(key) and not entry["provenance"].get(f"{key}_zh")]
    if untranslated:
        raise LayerError(f"catalog entry {entry['id']!r}: provenance lacks the Chinese "
                          f"text(s) {untranslated}; the app's About panel shows them",
                          zh=f"图层目录条目 {entry['id']!r}：来源说明缺少中文文本 {untranslated}；"
                             "应用的“关于数据与来源”面板要显示它们")
    return LayerInfo(id=entry["id"], name_zh=entry["name_zh"], name_en=entry["name_en"],
                     role=entry["role"], kind=entry["kind"], units=str(entry.get("units", "")),
                     path=(data_dir / entry["file"]).resolve(),
                     layer=entry.get("layer") or _default_layer(entry["file"]),
                     provenance=dict(entry["provenance"]), display=dict(entry.get("display", {})))


def load_catalog(path: Path = CATALOG_PATH, data_dir: Path = DATA_DIR) -> dict[str, LayerInfo]:
    """Read the catalog into ``{id: LayerInfo}``, in file order."""
    with open(path, encoding="utf-8") as f:
        entries = yaml.safe_load(f)["layers"]
    catalog = {}
    for entry in entries:
        info = _entry_to_info(entry, Path(data_dir))
        if info.id in catalog:
            raise LayerError(f"catalog lists layer id {info.id!r} twice",
                              zh=f"图层目录中图层编号 {info.id!r} 出现了两次")
        catalog[info.id] = info
    return catalog


def resolve_layer(layer_id: str, catalog: dict[str, LayerInfo] | None = None,
                  overrides: dict[str, str | Path] | None = None) -> LayerInfo:
    """The catalog entry of ``layer_id``, pointing at the user's file if overridden.

    Parameters
    ----------
    layer_id : str
        A catalog id such as ``"wind_speed_100m"``.
    overrides : dict, optional
        ``{id: path}`` from ``--layer ID=PATH``: the file replaces the bundled
        one and the layer's provenance becomes "user file".
    """
    catalog = catalog if catalog is not None else load_catalog()
    if layer_id not in catalog:
        raise LayerNotFoundError(f"unknown layer id {layer_id!r}; known ids: "
                                 f"{', '.join(catalog)}",
                                 zh=f"未知图层编号 {layer_id!r}；已有编号：{', '.join(catalog)}")
    info = catalog[layer_id]
    if overrides and layer_id in overrides:
        user_path = Path(overrides[layer_id]).expanduser().resolve()
        if not user_path.exists():
            raise LayerNotFoundError(f"file for layer {layer_id!r} not found: {user_path}",
                                     zh=f"找不到图层 {layer_id!r} 的文件：{user_path}")
        info = LayerInfo(**{**info.__dict__, "path": user_path, "layer": None,
                            "provenance": {"type": "user", "source": str(user_path),
                                           "licence": "as supplied by the user",
                                           "method": f"user file replacing {layer_id}",
                                           "source_zh": str(user_path),
                                           "licence_zh": "按用户提供",
                                           "method_zh": f"用户文件，替换图层 {info.name_zh}"}})
    elif not info.path.exists():
        raise LayerNotFoundError(f"bundled file of layer {layer_id!r} is missing: {info.path}; "
                                 "rebuild it with `python -m data.build --only "
                                 f"{layer_id}` or pass --layer {layer_id}=PATH",
                                 zh=f"图层 {layer_id!r} 的内置文件缺失：{info.path}；请用 "
                                    f"`python -m data.build --only {layer_id}` 重新生成，或传入 "
                                    f"--layer {layer_id}=PATH")
    return info
