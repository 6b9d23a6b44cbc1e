"""Spark types shared by the table models, so money and lineage look the same in every layer."""

import pyspark.sql.types as T

MONEY = T.DecimalType(12, 2)
"""Prices and amounts: exact decimals, so gold totals reconcile to the cent."""

REVENUE = T.DecimalType(18, 2)
"""Sums of money: wide enough for a year of orders."""
