"""User-Agent parsing, table-driven: browser, os and device for the agents real traffic sends."""

import pandas as pd
import pytest

from lakehouse.silver.user_agent import UserAgent, parse_user_agent, parse_user_agents

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Mobile/15E148 Safari/604.1"
)

CASES: list[tuple[str, str | None, UserAgent]] = [
    ("chrome on windows", CHROME_WINDOWS, UserAgent("chrome", "windows", "desktop")),
    (
        "chrome on android phone",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.6099.144 Mobile Safari/537.36",
        UserAgent("chrome", "android", "mobile"),
    ),
    (
        "chrome on android tablet",
        "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        UserAgent("chrome", "android", "tablet"),
    ),
    (
        "chrome on iphone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
        UserAgent("chrome", "ios", "mobile"),
    ),
    (
        "firefox on linux",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        UserAgent("firefox", "linux", "desktop"),
    ),
    (
        "firefox on macos",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.2; rv:121.0) Gecko/20100101 Firefox/121.0",
        UserAgent("firefox", "macos", "desktop"),
    ),
    (
        "firefox on android tablet",
        "Mozilla/5.0 (Android 13; Tablet; rv:121.0) Gecko/121.0 Firefox/121.0",
        UserAgent("firefox", "android", "tablet"),
    ),
    (
        "safari on macos",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.2 Safari/605.1.15",
        UserAgent("safari", "macos", "desktop"),
    ),
    ("safari on iphone", SAFARI_IPHONE, UserAgent("safari", "ios", "mobile")),
    (
        "safari on ipad",
        "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.2 Mobile/15E148 Safari/604.1",
        UserAgent("safari", "ios", "tablet"),
    ),
    (
        "edge on windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
        UserAgent("edge", "windows", "desktop"),
    ),
    (
        "opera on windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0",
        UserAgent("opera", "windows", "desktop"),
    ),
    (
        "samsung internet on android phone",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
        UserAgent("samsung_internet", "android", "mobile"),
    ),
    (
        "googlebot",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        UserAgent("googlebot", "other", "bot"),
    ),
    (
        "googlebot smartphone",
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        UserAgent("googlebot", "android", "bot"),
    ),
    (
        "bingbot",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        UserAgent("bingbot", "other", "bot"),
    ),
    ("curl", "curl/8.4.0", UserAgent("curl", "other", "bot")),
    ("python requests", "python-requests/2.31.0", UserAgent("python_requests", "other", "bot")),
    (
        "an unnamed crawler",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        UserAgent("other", "other", "bot"),
    ),
    ("garbage", "!!!", UserAgent("other", "other", "other")),
    ("empty", "", UserAgent("other", "other", "other")),
    ("missing", None, UserAgent("other", "other", "other")),
]


@pytest.mark.parametrize(("user_agent", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_user_agent_is_classified(user_agent: str | None, expected: UserAgent) -> None:
    assert parse_user_agent(user_agent) == expected


def test_the_vectorized_parser_keeps_row_order_and_handles_missing_values() -> None:
    batch = pd.Series([SAFARI_IPHONE, None, CHROME_WINDOWS, SAFARI_IPHONE], index=[10, 11, 12, 13])
    parsed = parse_user_agents(batch)
    assert list(parsed.index) == [10, 11, 12, 13]
    assert list(parsed.itertuples(index=False, name=None)) == [
        ("safari", "ios", "mobile"),
        ("other", "other", "other"),
        ("chrome", "windows", "desktop"),
        ("safari", "ios", "mobile"),
    ]
