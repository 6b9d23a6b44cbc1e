"""User-Agent parsing: browser, operating system and device class.

`parse_user_agent` is plain Python (unit-testable without Spark); `parse_user_agent_udf` is the vectorized pandas
UDF that silver web logs apply to a column. Anything not recognised is "other".
"""

from typing import NamedTuple

import pandas as pd
from pyspark.sql import functions as F
from pyspark.sql import types as T

OTHER = "other"


class UserAgent(NamedTuple):
    browser: str
    os: str
    device: str


# Arrow batches from pandas always carry nullable fields: declaring them non-nullable fails at run time.
USER_AGENT_STRUCT = T.StructType([T.StructField(name, T.StringType()) for name in UserAgent._fields])

# Named crawlers and HTTP clients, matched case-insensitively, first match wins.
_NAMED_BOTS: tuple[tuple[str, str], ...] = (
    ("googlebot", "googlebot"),
    ("bingbot", "bingbot"),
    ("curl/", "curl"),
    ("python-requests", "python_requests"),
)
# Any other self-declared crawler: the device is "bot" even when the product is not one we name.
_GENERIC_BOT_MARKERS = ("bot", "crawler", "spider", "slurp")

# Chromium-based browsers also send "Chrome/" and "Safari/", and Chrome sends "Safari/": the order matters.
_BROWSERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("SamsungBrowser/",), "samsung_internet"),
    (("Edg/", "Edge/", "EdgA/", "EdgiOS/"), "edge"),
    (("OPR/", "Opera", "OPiOS/"), "opera"),
    (("Firefox/", "FxiOS/"), "firefox"),
    (("Chrome/", "CriOS/", "Chromium/"), "chrome"),
)

# iOS user agents say "like Mac OS X" and Android ones say "Linux": the order matters here too.
_OPERATING_SYSTEMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("iPhone", "iPad", "iPod"), "ios"),
    (("Android",), "android"),
    (("Windows",), "windows"),
    (("CrOS",), "chromeos"),
    (("Macintosh", "Mac OS X"), "macos"),
    (("Linux", "X11"), "linux"),
)
_DESKTOP_OPERATING_SYSTEMS = frozenset({"windows", "macos", "linux", "chromeos"})


def parse_user_agent(user_agent: str | None) -> UserAgent:
    """Classify one User-Agent header; None, empty or unrecognised parts come back as "other"."""
    if not user_agent or not user_agent.strip():
        return UserAgent(OTHER, OTHER, OTHER)
    os_name = _first_match(user_agent, _OPERATING_SYSTEMS)
    lowered = user_agent.lower()
    bot = next((name for marker, name in _NAMED_BOTS if marker in lowered), None)
    if bot is not None or any(marker in lowered for marker in _GENERIC_BOT_MARKERS):
        return UserAgent(bot or OTHER, os_name, "bot")
    return UserAgent(_browser(user_agent), os_name, _device(user_agent, os_name))


def _first_match(user_agent: str, rules: tuple[tuple[tuple[str, ...], str], ...]) -> str:
    return next((name for tokens, name in rules if any(token in user_agent for token in tokens)), OTHER)


def _browser(user_agent: str) -> str:
    browser = _first_match(user_agent, _BROWSERS)
    # Only Safari itself sends "Version/" with "Safari/"; in-app web views send neither.
    if browser == OTHER and "Safari/" in user_agent and "Version/" in user_agent:
        return "safari"
    return browser


def _device(user_agent: str, os_name: str) -> str:
    # Android phones say "Mobile"; Android tablets do not.
    if "iPad" in user_agent or "Tablet" in user_agent or (os_name == "android" and "Mobile" not in user_agent):
        return "tablet"
    if "Mobi" in user_agent or "iPhone" in user_agent or "iPod" in user_agent or os_name == "android":
        return "mobile"
    if os_name in _DESKTOP_OPERATING_SYSTEMS:
        return "desktop"
    return OTHER


def parse_user_agents(user_agents: pd.Series) -> pd.DataFrame:
    """Vectorized body of the UDF: one row (browser, os, device) per input value."""
    # A day of traffic repeats a few hundred distinct headers: parse each distinct one once.
    distinct = {ua: parse_user_agent(ua) for ua in user_agents.dropna().unique()}
    unknown = parse_user_agent(None)
    parsed = [distinct[ua] if isinstance(ua, str) else unknown for ua in user_agents]
    return pd.DataFrame(parsed, columns=list(UserAgent._fields), index=user_agents.index)


parse_user_agent_udf = F.pandas_udf(parse_user_agents, USER_AGENT_STRUCT)
"""pandas UDF: a string column in, a struct<browser, os, device> column out."""
