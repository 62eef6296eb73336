"""Import a user's layer file into the workspace, checked and normalised.

One entry point, ``import_file`` (the app's upload panel and ``python -m siting
import``): detect the format from the extension and the first bytes, unpack
zips safely, read with GDAL, fix the CRS and text encoding, repair geometries,
check raster units, measure coverage of the region, and land the result in
the workspace as a UTF-8 GeoPackage (vectors, EPSG:4326) or a float32 GeoTIFF
(rasters, in their own CRS: ``layers.align`` warps them onto the analysis grid,
so values are resampled once, not twice).

All work happens in a temporary folder outside the workspace; only a complete,
valid layer is moved into it. Nothing user-supplied is unpickled or evaluated:
text is parsed by GDAL, ``csv``/pandas and ``json``. User text shown in HTML
(map popups, tooltips) must go through ``escape_html``.

One module per job:

- ``limits``: size guards against hostile files (``Limits``, ``default_limits``);
- ``roles``: what each role needs (``IMPORT_ROLES``, value ranges, units, columns);
- ``sniff``: the format from extension and first bytes (``check_format``);
- ``archive``: staging an upload and unpacking zips/KMZs (with ``layers.safezip``);
- ``repair``: ``--crs``/``--encoding``, Gauss-Krüger hints, encoding detection;
- ``region``: the area a layer must overlap (``Region``, ``default_region``);
- ``reading``: reader-library exceptions → ``DataFileError`` (``reading``);
- ``vector``/``points``/``raster``: reading and checking each kind of file;
- ``check``: every check on a file without storing it (``check_layer_file``);
- ``store``: landing a checked layer in the workspace (``import_file``);
- ``report``: the summary (``ImportSummary``, ``--json``) and its text form;
- ``command``: ``cmd_import``, the CLI's ``import`` (its parser is in ``siting.cli``).

``layers.importer`` re-exports these names for existing callers.
"""
from __future__ import annotations

from layers.importing.archive import (  # noqa: F401
    MAX_FILENAME_CHARS,
)
from layers.importing.check import (  # noqa: F401
    CheckedLayer,
    check_layer_file,
)
from layers.importing.command import (  # noqa: F401
    cmd_import,
)
from layers.importing.limits import (  # noqa: F401
    APP_MAX_UPLOAD_MB,
    BLOCK_CELLS,
    MAX_RASTER_BLOCK_BYTES,
    MAX_RASTER_CELLS,
    MAX_RASTER_SIDE,
    MAX_UNZIPPED_ENV,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ENV,
    Limits,
    default_limits,
)
from layers.importing.points import (  # noqa: F401
    LAT_NAMES,
    LON_NAMES,
    find_coordinate_columns,
    parse_coordinate,
)
from layers.importing.raster import (  # noqa: F401
    COVERAGE_SAMPLE_PX,
    NODATA,
    RasterChecked,
    check_raster,
    check_raster_header,
    import_raster,
    raster_coverage,
)
from layers.importing.reading import (  # noqa: F401
    reading,
)
from layers.importing.region import (  # noqa: F401
    COVERAGE_CELL_M,
    COVERAGE_PROJ4,
    REGION_SIMPLIFY_M,
    Region,
    default_region,
    region_from_geometry,
)
from layers.importing.repair import (  # noqa: F401
    DBF_SAMPLE_BYTES,
    check_encoding,
    crs_label,
    crs_mismatch_hint,
    dbf_text_bytes,
    detect_text_encoding,
    gk_cm_epsg,
    gk_zone_epsg,
    parse_crs,
)
from layers.importing.report import (  # noqa: F401
    PREVIEW_ROWS,
    ImportSummary,
    escape_html,
)
from layers.importing.roles import (  # noqa: F401
    GHI_CONVERSIONS,
    IMPORT_ROLES,
    POWER_UNITS_TO_MW,
    PVOUT_CONVERSIONS,
    SUBSTATION_CAPACITY,
    ColumnSpec,
    RoleSpec,
    UnitGuess,
    choose_units,
    keep_role_columns,
    role_spec,
)
from layers.importing.sniff import (  # noqa: F401
    FORMAT_NAMES,
    FORMAT_NAMES_ZH,
    FORMATS,
    RASTER_FORMATS,
    SHAPEFILE_SIDECARS,
    ZIP_EXTENSIONS,
    check_format,
    sniff,
)
from layers.importing.store import (  # noqa: F401
    LayerExistsError,
    already_imported,
    import_file,
    import_upload,
)
from layers.importing.vector import (  # noqa: F401
    KML_DISPLAY_FIELDS,
    KML_TEXT_FIELDS,
    STORED_VECTOR_CRS,
    VectorChecked,
    clean_vector,
)

__all__ = [
    "POWER_UNITS_TO_MW",
    "SUBSTATION_CAPACITY",
    "ColumnSpec",
    "keep_role_columns",
    "MAX_UPLOAD_BYTES",
    "APP_MAX_UPLOAD_MB",
    "MAX_UPLOAD_ENV",
    "MAX_UNZIPPED_ENV",
    "MAX_RASTER_CELLS",
    "BLOCK_CELLS",
    "MAX_RASTER_SIDE",
    "MAX_RASTER_BLOCK_BYTES",
    "Limits",
    "default_limits",
    "UnitGuess",
    "RoleSpec",
    "GHI_CONVERSIONS",
    "PVOUT_CONVERSIONS",
    "IMPORT_ROLES",
    "role_spec",
    "choose_units",
    "FORMATS",
    "FORMAT_NAMES",
    "FORMAT_NAMES_ZH",
    "SHAPEFILE_SIDECARS",
    "ZIP_EXTENSIONS",
    "RASTER_FORMATS",
    "sniff",
    "check_format",
    "parse_crs",
    "crs_label",
    "check_encoding",
    "detect_text_encoding",
    "DBF_SAMPLE_BYTES",
    "dbf_text_bytes",
    "gk_zone_epsg",
    "gk_cm_epsg",
    "crs_mismatch_hint",
    "COVERAGE_PROJ4",
    "COVERAGE_CELL_M",
    "REGION_SIMPLIFY_M",
    "Region",
    "region_from_geometry",
    "default_region",
    "reading",
    "LON_NAMES",
    "LAT_NAMES",
    "find_coordinate_columns",
    "parse_coordinate",
    "STORED_VECTOR_CRS",
    "KML_TEXT_FIELDS",
    "KML_DISPLAY_FIELDS",
    "VectorChecked",
    "clean_vector",
    "COVERAGE_SAMPLE_PX",
    "NODATA",
    "raster_coverage",
    "RasterChecked",
    "check_raster_header",
    "check_raster",
    "import_raster",
    "MAX_FILENAME_CHARS",
    "PREVIEW_ROWS",
    "escape_html",
    "ImportSummary",
    "CheckedLayer",
    "check_layer_file",
    "import_file",
    "LayerExistsError",
    "already_imported",
    "import_upload",
    "cmd_import",
]
