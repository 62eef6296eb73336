"""Where data comes from: the layer catalog, reading and checking files,
and aligning rasters and vectors onto the analysis grid."""
