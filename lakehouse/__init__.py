"""The lakehouse: Dagster definitions, Spark transforms and Delta tables of the medallion (see README.md)."""

import warnings

# Accepted: Dagster's own parser of selection strings (`--select 'group:bronze or group:silver'`, `selection="*"`)
# passes its beta `include_sources` parameter to AssetSelection and warns about it on every parse. The strings are
# Dagster's documented syntax and nothing on our side can avoid the warning, which would otherwise open every cron
# log. Narrow: only that parameter, only as raised from that parser's module. (No Dagster import here: Spark's
# Python workers import this package too.)
warnings.filterwarnings(
    "ignore",
    message=r"Parameter `include_sources` of function `AssetSelection\.",
    module=r"dagster\._core\.definitions\.antlr_asset_selection\.",
)
