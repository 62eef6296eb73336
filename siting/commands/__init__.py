"""Bodies of CLI subcommands too long for ``siting.cli``, which alone builds the
argument parser and passes each body what it needs from the data layer."""
