"""The landing zone as assets: the demo generator lands each day's raw files.

A real deployment does not run this: upstream systems land files under ``raw/<source>/dt=YYYY-MM-DD/`` and the
``daily_lakehouse`` job (bronze → gold) reads whatever is there. See the README, "Landing your own files".
"""

from dagster import AssetExecutionContext, AssetSpec, Config, MaterializeResult, multi_asset
from pydantic import Field

from lakehouse.partitions import DayRange, daily_partitions
from lakehouse.raw.formats import SOURCES
from lakehouse.raw.generator import GeneratorConfig, land_day
from lakehouse.resources.warehouse import Warehouse

_DEFAULTS = GeneratorConfig()


class LandingConfig(Config):
    seed: int = Field(default=_DEFAULTS.seed, description="Same seed and day give byte-identical files")
    orders_per_day: int = Field(default=_DEFAULTS.orders_per_day)
    customers: int = Field(default=_DEFAULTS.customers)
    products: int = Field(default=_DEFAULTS.products)
    web_logs_per_day: int = Field(default=_DEFAULTS.web_logs_per_day)
    dirt_rate: float = Field(default=_DEFAULTS.dirt_rate, description="Share of dirty records; 0 = clean")

    def generator_config(self) -> GeneratorConfig:
        return GeneratorConfig(**self.model_dump())


@multi_asset(
    name="landing_generator",
    specs=[
        AssetSpec(
            key=["raw", source],
            description=f"Raw {source} files under raw/{source}/dt=YYYY-MM-DD/, landed by the demo generator.",
            group_name="landing",
            kinds={"python"},
        )
        for source in SOURCES
    ],
    partitions_def=daily_partitions,
)
def landing_generator(context: AssetExecutionContext, config: LandingConfig, warehouse: Warehouse):
    """Generates realistic, dirty raw data for every day of the run's partition window."""
    generator_config = config.generator_config()
    records = dict.fromkeys(SOURCES, 0)
    for day in DayRange.of_window(context.partition_time_window).days():
        for landed in land_day(warehouse.root_uri, day, generator_config, warehouse.storage_options):
            records[landed.source] += landed.records
    for source in SOURCES:
        yield MaterializeResult(asset_key=["raw", source], metadata={"records": records[source]})
