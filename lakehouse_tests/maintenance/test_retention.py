"""Retention per layer: configured value, else the environment, else our users' defaults; 0 keeps forever."""

from datetime import date

import pytest

from lakehouse.maintenance.retention import DEFAULT_DAYS, Retention, days_env

TODAY = date(2024, 3, 31)


def test_the_defaults_are_raw_7_bronze_30_silver_30_gold_90_days(monkeypatch):
    for layer in DEFAULT_DAYS:
        monkeypatch.delenv(days_env(layer), raising=False)
    retention = Retention()

    assert {layer: retention.days(layer) for layer in DEFAULT_DAYS} == {
        "raw": 7,
        "bronze": 30,
        "silver": 30,
        "gold": 90,
    }
    assert retention.cutoff("raw", TODAY) == date(2024, 3, 24)  # keeps the 7 days 03-24 .. 03-30 before today
    assert retention.vacuum_hours == 168


def test_the_environment_overrides_a_default_and_configuration_overrides_the_environment(monkeypatch):
    monkeypatch.setenv(days_env("gold"), "365")
    monkeypatch.setenv("LAKEHOUSE_VACUUM_RETENTION_HOURS", "336")

    assert Retention().days("gold") == 365
    assert Retention(gold_days=10).days("gold") == 10
    assert Retention().vacuum_hours == 336


def test_zero_keeps_forever(monkeypatch):
    monkeypatch.setenv(days_env("silver"), "0")

    assert Retention().cutoff("silver", TODAY) is None
    assert Retention(bronze_days=0).cutoff("bronze", TODAY) is None


def test_a_negative_or_unknown_setting_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv(days_env("raw"), "-1")
    with pytest.raises(ValueError, match="LAKEHOUSE_RETENTION_RAW_DAYS must be 0 or more"):
        Retention().days("raw")
    with pytest.raises(ValueError, match="unknown layer 'platinum'"):
        Retention().days("platinum")
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Retention(gold_days=-5)


def test_a_table_read_back_by_a_downstream_asset_keeps_those_days_whatever_its_layer_keeps():
    retention = Retention(silver_days=7)

    assert retention.cutoff("silver", TODAY, read_back_days=29) == date(2024, 3, 1)  # RFM's 30 days before 03-30
    assert retention.cutoff("silver", TODAY, read_back_days=3) == date(2024, 3, 24)  # the layer's 7 days win
    assert Retention(silver_days=0).cutoff("silver", TODAY, read_back_days=29) is None
