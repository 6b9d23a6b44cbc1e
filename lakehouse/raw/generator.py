"""A deterministic generator of realistic, deliberately dirty raw files for any day.

Demos, tests and benchmarks need no download: ``generate_day`` returns the day's file contents, ``land_day`` writes
them into the landing zone. The same seed and day always give byte-identical files, and each source draws from its
own random stream, so resizing one source never changes another.

Every file holds exactly the configured number of records. Dirt replaces clean records in place: a share
``dirt_rate`` of each file's records is dirty, dealt round-robin over the source's ``DIRT_KINDS``. Any dirt rate
above 0 gives at least one record of every kind (when the file is big enough), so a small demo day still
exercises every cleaning rule; ``dirt_rate=0`` gives clean files.
"""

import csv
import functools
import hashlib
import io
import json
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, Final

import pyarrow.fs as pafs

from lakehouse.raw.formats import (
    CHANNELS,
    CSV_SOURCES,
    FILE_NAMES,
    ORDERS_COLUMNS,
    PRODUCTS_COLUMNS,
    SUCCESS_MARKER,
)
from lakehouse.storage import filesystem_for, is_local, join_uri

DIRT_KINDS: Final = {
    "orders": (
        "duplicate_order",
        "negative_quantity",
        "negative_price",
        "null_key",
        "wrong_field_count",
        "non_numeric_quantity",
        "unknown_product",
        "late_order",
        "empty_channel",
    ),
    "customers": ("duplicate_customer", "missing_nested_object", "malformed_json"),
    "products": ("empty_category", "negative_list_price", "malformed_line"),
    "web_logs": ("malformed_json", "missing_status", "status_out_of_range"),
}
"""The kinds of dirt in each source, in the order dirty records are assigned to them."""


@dataclass(frozen=True)
class GeneratorConfig:
    seed: int = 42
    orders_per_day: int = 10_000
    customers: int = 2_000
    products: int = 200
    web_logs_per_day: int = 20_000
    dirt_rate: float = 0.02
    """Share of each file's records that are dirty; 0 gives clean files."""

    def __post_init__(self) -> None:
        for name in ("orders_per_day", "web_logs_per_day"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("customers", "products"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0.0 <= self.dirt_rate <= 1.0:
            raise ValueError(f"dirt_rate must be within 0-1, got {self.dirt_rate}")


DEFAULT_CONFIG: Final = GeneratorConfig()


@dataclass(frozen=True)
class LandedFile:
    source: str
    uri: str
    records: int
    """Non-blank data lines (the header of a CSV file is not a record)."""


def seed_for(seed: int, day: date | None, stream: str) -> int:
    """A stable seed per (seed, day, stream). ``hash()`` is salted per process, so derive it with SHA-256."""
    key = f"{seed}/{day.isoformat() if day else 'master'}/{stream}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


def generate_day(day: date, config: GeneratorConfig = DEFAULT_CONFIG) -> dict[str, bytes]:
    """The raw files of ``day``: source name -> file content (UTF-8, ``\\n`` line ends)."""
    master = _master_data(config.seed, config.customers, config.products)
    return {
        "orders": _orders_file(day, config, master),
        "customers": _customers_file(day, config, master),
        "products": _products_file(day, config, master),
        "web_logs": _web_logs_file(day, config, master),
    }


def land_day(
    root_uri: str,
    day: date,
    config: GeneratorConfig = DEFAULT_CONFIG,
    storage_options: Mapping[str, str] | None = None,
) -> list[LandedFile]:
    """Write ``day``'s files to ``<root>/raw/<source>/dt=YYYY-MM-DD/<file>``, replacing that day's files, each
    followed by its folder's ``_SUCCESS`` marker (what a landing policy of markers waits for)."""
    fs, root_path = filesystem_for(root_uri, storage_options)
    local = is_local(root_uri)
    landed = []
    for source, content in generate_day(day, config).items():
        folder = f"raw/{source}/dt={day.isoformat()}"
        marker = join_uri(root_path, folder, SUCCESS_MARKER)
        # As a producer must: the marker goes first and comes back last, so a day being replaced is never
        # complete halfway.
        if fs.get_file_info(marker).type != pafs.FileType.NotFound:
            fs.delete_file(marker)
        _write_file(fs, join_uri(root_path, folder, FILE_NAMES[source]), content, local=local)
        _write_file(fs, marker, b"", local=local)
        landed.append(
            LandedFile(source, join_uri(root_uri, folder, FILE_NAMES[source]), count_records(content, source))
        )
    return landed


def count_records(content: bytes, source: str) -> int:
    """Records in a raw file: non-blank lines, less the header line of a CSV file."""
    lines = content.split(b"\n")
    body = lines[1:] if source in CSV_SOURCES else lines
    return sum(1 for line in body if line.strip())


def _write_file(fs: pafs.FileSystem, path: str, content: bytes, *, local: bool) -> None:
    if not local:
        # An object-store PUT is atomic: readers see the old object or the new one.
        with fs.open_output_stream(path) as out:
            out.write(content)
        return
    # On disk, write aside and rename, so a sensor or reader never sees half a file. The landing reader
    # skips names starting with "_".
    directory, name = path.rsplit("/", 1)
    fs.create_dir(directory, recursive=True)
    temporary = f"{directory}/_{name}.writing"
    with fs.open_output_stream(temporary) as out:
        out.write(content)
    fs.move(temporary, path)


# --- master data: the same customers and products every day ----------------------------------------------------


@dataclass(frozen=True)
class _Product:
    product_id: str
    name: str
    category: str
    price_cents: int


@dataclass(frozen=True)
class _MasterData:
    customers: tuple[dict[str, Any], ...]
    customer_ids: tuple[str, ...]
    customer_cum_weights: tuple[float, ...]
    products: tuple[_Product, ...]
    product_cum_weights: tuple[float, ...]


_COUNTRIES: Final = {
    # code: (weight, cities, first names, last names, phone prefix, street names)
    "US": (
        30,
        ("New York", "Chicago", "Austin", "Seattle", "Denver", "Boston"),
        ("James", "Mary", "Michael", "Jennifer", "David", "Linda", "Chris", "Ashley"),
        ("Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Lopez"),
        "+1",
        ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Blvd"),
    ),
    "GB": (
        15,
        ("London", "Manchester", "Leeds", "Bristol", "Glasgow"),
        ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava"),
        ("Taylor", "Jones", "Evans", "Wilson", "Thomas", "Roberts"),
        "+44",
        ("High Street", "Station Road", "Church Lane", "Victoria Road"),
    ),
    "DE": (
        15,
        ("Berlin", "München", "Hamburg", "Köln", "Düsseldorf"),
        ("Lukas", "Anna", "Jürgen", "Sophie", "Maximilian", "Lea"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Groß"),
        "+49",
        ("Hauptstraße", "Schulstraße", "Bahnhofstraße", "Gartenweg"),
    ),
    "FR": (
        10,
        ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes"),
        ("Léa", "Hugo", "Chloé", "Louis", "Inès", "Gabriel"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard"),
        "+33",
        ("Rue de la Paix", "Avenue Victor Hugo", "Rue du Moulin", "Boulevard Voltaire"),
    ),
    "ES": (
        8,
        ("Madrid", "Barcelona", "Valencia", "Sevilla"),
        ("José", "María", "Lucía", "Javier", "Sofía", "Álvaro"),
        ("García", "Fernández", "González", "Rodríguez", "Martínez", "Núñez"),
        "+34",
        ("Calle Mayor", "Calle del Sol", "Avenida de la Constitución"),
    ),
    "NL": (
        7,
        ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"),
        ("Daan", "Emma", "Sem", "Julia", "Finn", "Tess"),
        ("de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser"),
        "+31",
        ("Kerkstraat", "Dorpsstraat", "Molenweg"),
    ),
    "SE": (
        5,
        ("Stockholm", "Göteborg", "Malmö", "Uppsala"),
        ("Erik", "Elsa", "Lars", "Maja", "Oskar", "Ebba"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson"),
        "+46",
        ("Storgatan", "Drottninggatan", "Kungsgatan"),
    ),
    "CA": (
        6,
        ("Toronto", "Montréal", "Vancouver", "Calgary"),
        ("Liam", "Olivia", "Noah", "Emma", "Ethan", "Chloe"),
        ("Tremblay", "Roy", "Wilson", "MacDonald", "Gagnon", "Campbell"),
        "+1",
        ("King St W", "Rue Sainte-Catherine", "Yonge St"),
    ),
    "JP": (
        4,
        ("Tokyo", "Osaka", "Kyoto", "Yokohama"),
        ("Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"),
        "+81",
        ("Chuo-dori", "Meiji-dori", "Omotesando"),
    ),
}
_EMAIL_DOMAINS: Final = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "proton.me", "web.de", "orange.fr")

_CATEGORIES: Final = {
    # category: (weight, price range in cents, adjectives, nouns, variants that end up after a comma)
    "Electronics": (
        18,
        (999, 89_999),
        ("Wireless", "Smart", "Portable", "Noise-Cancelling", "4K", "Compact"),
        ("Headphones", "Speaker", "Monitor", "Keyboard", "Webcam", "Charger", "Power Bank"),
        ("2 m", "black", "USB-C", '27"'),
    ),
    "Books": (
        14,
        (599, 4_999),
        ("The Silent", "A Brief History of", "The Art of", "Learning", "The Last", "Modern"),
        ("Garden", "Time", "Data", "Python", "Ocean", "Cooking"),
        ("Paperback", "Hardcover", "2nd Edition"),
    ),
    "Home & Kitchen": (
        16,
        (499, 24_999),
        ("Ceramic", "Stainless Steel", "Non-Stick", "Bamboo", "Cast Iron", "Glass"),
        ("Mug", "Frying Pan", "Chef's Knife", "Cutting Board", "Teapot", "Storage Jar"),
        ("350 ml", "8 inch", "set of 4", "28 cm"),
    ),
    "Clothing": (
        14,
        (999, 14_999),
        ("Organic Cotton", "Merino", "Slim-Fit", "Waterproof", "Linen", "Vintage"),
        ("T-Shirt", "Hoodie", "Jeans", "Rain Jacket", "Socks", "Scarf"),
        ("size M", "size L", "navy", "pack of 3"),
    ),
    "Sports & Outdoors": (
        10,
        (1_499, 39_999),
        ("Ultralight", "Adjustable", "Trail", "Pro", "Insulated"),
        ("Running Shoes", "Yoga Mat", "Water Bottle", "Tent", "Backpack", "Dumbbells"),
        ("size 42", "1 l", "2-person", "30 l"),
    ),
    "Toys & Games": (
        8,
        (799, 9_999),
        ("Classic", "Wooden", "Magnetic", "Deluxe"),
        ("Puzzle", "Board Game", "Blocks"),
        (),
    ),
    "Beauty": (
        8,
        (399, 7_999),
        ("Hydrating", "Organic", "Vitamin C", "Gentle"),
        ("Face Cream", "Serum", "Shampoo"),
        (),
    ),
    "Grocery": (
        7,
        (199, 2_999),
        ("Organic", "Fair-Trade", "Roasted", "Artisan"),
        ("Coffee Beans", "Olive Oil", "Tea"),
        (),
    ),
    "Garden": (
        5,
        (999, 19_999),
        ("Solar", "Heavy-Duty", "Ergonomic"),
        ("Garden Hose", "Pruning Shears", "Lantern"),
        (),
    ),
}


@functools.lru_cache(maxsize=4)
def _master_data(seed: int, n_customers: int, n_products: int) -> _MasterData:
    """Customers and products depend on the seed only, so they are stable from day to day (cached per process)."""
    rng = random.Random(seed_for(seed, None, "master"))
    countries = sorted(_COUNTRIES)
    country_draws = rng.choices(countries, weights=[_COUNTRIES[c][0] for c in countries], k=n_customers)
    customers = tuple(_customer(rng, i + 1, country) for i, country in enumerate(country_draws))
    customer_ids = tuple(c["customer_id"] for c in customers)
    # Few customers buy often and many rarely: a Zipf-like shape makes RFM segments meaningful.
    customer_weights = [1.0 / (rank**0.7) for rank in range(1, n_customers + 1)]
    rng.shuffle(customer_weights)

    categories = sorted(_CATEGORIES)
    category_draws = rng.choices(categories, weights=[_CATEGORIES[c][0] for c in categories], k=n_products)
    products = tuple(_product(rng, i + 1, category) for i, category in enumerate(category_draws))
    product_weights = [1.0 / (rank**0.9) for rank in range(1, n_products + 1)]
    rng.shuffle(product_weights)
    return _MasterData(
        customers=customers,
        customer_ids=customer_ids,
        customer_cum_weights=tuple(accumulate(customer_weights)),
        products=products,
        product_cum_weights=tuple(accumulate(product_weights)),
    )


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace(" ", "").lower()


def _customer(rng: random.Random, number: int, country: str) -> dict[str, Any]:
    _, cities, first_names, last_names, phone_prefix, streets = _COUNTRIES[country]
    first, last = rng.choice(first_names), rng.choice(last_names)
    signup = date(2021, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    return {
        "customer_id": f"C{number:06d}",
        "name": {"first": first, "last": last},
        "contact": {
            "email": f"{_ascii(first)}.{_ascii(last)}{rng.randrange(100)}@{rng.choice(_EMAIL_DOMAINS)}",
            "phone": f"{phone_prefix} {rng.randrange(100, 1000)} {rng.randrange(1000, 10000)}{rng.randrange(10, 100)}",
        },
        "address": {
            "street": f"{rng.randrange(1, 250)} {rng.choice(streets)}",
            "city": rng.choice(cities),
            "postcode": f"{rng.randrange(10_000, 100_000)}",
            "country": country,
        },
        "signup_date": signup.isoformat(),
        "updated_at": _iso(datetime.combine(signup, time(), UTC) + timedelta(seconds=rng.randrange(86_400))),
    }


def _product(rng: random.Random, number: int, category: str) -> _Product:
    _, (low, high), adjectives, nouns, variants = _CATEGORIES[category]
    name = f"{rng.choice(adjectives)} {rng.choice(nouns)}"
    if variants and rng.random() < 0.3:
        name = f"{name}, {rng.choice(variants)}"  # a comma in the name: the CSV writer must quote it
    # Prices end in .99 / .49 / .00 like real price lists.
    cents = rng.randrange(low // 100, high // 100) * 100 + rng.choice((99, 99, 49, 0))
    return _Product(f"P{number:04d}", name, category, cents)


# --- per-day files -------------------------------------------------------------------------------------------------

_ORDER_HOUR_WEIGHTS: Final = (2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 11, 13, 15, 13, 11, 10, 10, 11, 13, 16, 17, 14, 9, 5)
_WEB_HOUR_WEIGHTS: Final = (4, 3, 2, 2, 2, 3, 5, 8, 10, 11, 12, 13, 14, 13, 12, 11, 11, 12, 14, 16, 17, 15, 10, 6)


def _dirty_slots(rng: random.Random, n: int, kinds: Sequence[str], dirt_rate: float) -> dict[int, str]:
    """Record index -> dirt kind, dealt round-robin over ``kinds``: at least one of each when dirt_rate > 0."""
    wanted = max(round(n * dirt_rate), len(kinds)) if dirt_rate > 0 else 0
    # Slot 0 stays clean so a duplicate always has an earlier record to copy.
    count = min(wanted, max(n - 1, 0))
    slots = rng.sample(range(1, n), count) if count else []
    return {slot: kinds[k % len(kinds)] for k, slot in enumerate(slots)}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _earlier_clean_slot(rng: random.Random, slot: int, dirty: Mapping[int, str]) -> int | None:
    for _ in range(20):
        candidate = rng.randrange(slot)
        if candidate not in dirty:
            return candidate
    return None


def _orders_file(day: date, config: GeneratorConfig, master: _MasterData) -> bytes:
    rng = random.Random(seed_for(config.seed, day, "orders"))
    n = config.orders_per_day
    start = datetime.combine(day, time(), UTC)
    end_of_day = start + timedelta(seconds=86_399)
    seconds = sorted(h * 3600 + rng.randrange(3600) for h in rng.choices(range(24), _ORDER_HOUR_WEIGHTS, k=n))
    customers = rng.choices(master.customer_ids, cum_weights=master.customer_cum_weights, k=n)
    products = rng.choices(master.products, cum_weights=master.product_cum_weights, k=n)
    quantities = rng.choices((1, 2, 3, 4, 5), weights=(55, 22, 12, 7, 4), k=n)
    channels = rng.choices(CHANNELS, weights=(55, 35, 10), k=n)
    rows: list[list[str]] = []
    for i in range(n):
        placed = start + timedelta(seconds=seconds[i])
        product = products[i]
        # One order in ten gets a 10 % discount off the list price.
        cents = product.price_cents * 9 // 10 if rng.random() < 0.1 else product.price_cents
        updated = min(placed + timedelta(seconds=rng.randrange(900)), end_of_day)
        rows.append(
            [
                f"O{day:%Y%m%d}-{i + 1:06d}",
                customers[i],
                product.product_id,
                str(quantities[i]),
                _money(cents),
                channels[i],
                _iso(placed),
                _iso(updated),
            ]
        )

    dirty = _dirty_slots(rng, n, DIRT_KINDS["orders"], config.dirt_rate)
    lines: list[str] = [",".join(ORDERS_COLUMNS)]
    for i, row in enumerate(rows):
        kind = dirty.get(i)
        if kind is not None:
            row = _dirty_order(rng, kind, i, row, rows, dirty, config)
        lines.append(",".join(row))
    return ("\n".join(lines) + "\n").encode()


def _dirty_order(
    rng: random.Random,
    kind: str,
    slot: int,
    row: list[str],
    rows: Sequence[list[str]],
    dirty: Mapping[int, str],
    config: GeneratorConfig,
) -> list[str]:
    row = list(row)
    if kind == "duplicate_order":
        # A later version of an earlier, clean order: same id, changed quantity, later updated_at.
        original = _earlier_clean_slot(rng, slot, dirty)
        if original is None:
            return row
        row = list(rows[original])
        row[3] = str(int(row[3]) % 5 + 1)
        previous = datetime.fromisoformat(row[7])
        row[7] = _iso(previous + timedelta(minutes=rng.randrange(5, 240)))
    elif kind == "negative_quantity":
        row[3] = f"-{row[3]}"
    elif kind == "negative_price":
        row[4] = f"-{row[4]}"
    elif kind == "null_key":
        row[rng.randrange(3)] = ""
    elif kind == "wrong_field_count":
        row = row[:5] + row[6:] if rng.random() < 0.5 else [*row, "gift"]
    elif kind == "non_numeric_quantity":
        row[3] = rng.choice(("two", "abc", "3x", "1.5", "N/A"))
    elif kind == "unknown_product":
        row[2] = f"P{config.products + rng.randrange(1, 500):04d}"
    elif kind == "late_order":
        placed = datetime.fromisoformat(row[6]) - timedelta(days=rng.randint(1, 3))
        row[6] = _iso(placed)
    elif kind == "empty_channel":
        row[5] = ""
    return row


def _customers_file(day: date, config: GeneratorConfig, master: _MasterData) -> bytes:
    rng = random.Random(seed_for(config.seed, day, "customers"))
    start = datetime.combine(day, time(), UTC)
    records: list[dict[str, Any]] = []
    for customer in master.customers:
        record = customer
        if rng.random() < 0.01:
            # About 1 % of customers change their phone on any given day.
            phone = f"{customer['contact']['phone'][:-4]}{rng.randrange(1000, 10000)}"
            record = {
                **customer,
                "contact": {**customer["contact"], "phone": phone},
                "updated_at": _iso(start + timedelta(seconds=rng.randrange(86_400))),
            }
        records.append(record)

    dirty = _dirty_slots(rng, len(records), DIRT_KINDS["customers"], config.dirt_rate)
    lines = []
    for i, record in enumerate(records):
        kind = dirty.get(i)
        if kind == "duplicate_customer":
            # A second, newer version of another customer: the export caught a change twice. It comes in addition
            # to this slot's customer, so the snapshot still holds every customer.
            original = _earlier_clean_slot(rng, i, dirty)
            if original is not None:
                base = records[original]
                newer = datetime.fromisoformat(base["updated_at"]) + timedelta(hours=rng.randrange(1, 48))
                email = base["contact"]["email"].replace("@", f".{rng.randrange(10, 99)}@")
                duplicate = {**base, "contact": {**base["contact"], "email": email}, "updated_at": _iso(newer)}
                lines.append(json.dumps(duplicate, ensure_ascii=False))
        elif kind == "missing_nested_object":
            missing = rng.choice(("name", "contact", "address"))
            record = {key: value for key, value in record.items() if key != missing}
        line = json.dumps(record, ensure_ascii=False)
        if kind == "malformed_json":
            line = line[: rng.randrange(len(line) // 3, len(line) - 1)]  # cut off: the closing brace is gone
        lines.append(line)
    return ("\n".join(lines) + "\n").encode()


def _products_file(day: date, config: GeneratorConfig, master: _MasterData) -> bytes:
    rng = random.Random(seed_for(config.seed, day, "products"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PRODUCTS_COLUMNS)
    dirty = _dirty_slots(rng, len(master.products), DIRT_KINDS["products"], config.dirt_rate)
    for i, product in enumerate(master.products):
        kind = dirty.get(i)
        row = [product.product_id, product.name, product.category, _money(product.price_cents)]
        if kind == "empty_category":
            row[2] = ""
        elif kind == "negative_list_price":
            row[3] = _money(-product.price_cents)
        if kind == "malformed_line":
            # A hand-edited export: an unquoted comma in the name splits it into an extra field.
            name = product.name.replace('"', "")
            buffer.write(f"{product.product_id},{name}, Limited Edition,{product.category},{row[3]}\n")
        else:
            writer.writerow(row)
    return buffer.getvalue().encode()


_WEBKIT: Final = "AppleWebKit/537.36 (KHTML, like Gecko)"
_SAFARI: Final = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
_USER_AGENTS: Final = (
    # (weight, is_bot, user agent)
    (22, False, f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_WEBKIT} Chrome/124.0.0.0 Safari/537.36"),
    (9, False, f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {_WEBKIT} Chrome/124.0.0.0 Safari/537.36"),
    (7, False, f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {_SAFARI} Version/17.4 Safari/605.1.15"),
    (5, False, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"),
    (2, False, "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"),
    (4, False, f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_WEBKIT} Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67"),
    (
        18,
        False,
        f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) {_SAFARI} Version/17.4 Mobile/15E148 Safari/604.1",
    ),
    (14, False, f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {_WEBKIT} Chrome/124.0.6367.82 Mobile Safari/537.36"),
    (
        4,
        False,
        f"Mozilla/5.0 (Linux; Android 13; SM-S911B) {_WEBKIT} SamsungBrowser/24.0 Chrome/117.0 Mobile Safari/537.36",
    ),
    (4, False, f"Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) {_SAFARI} Version/17.4 Mobile/15E148 Safari/604.1"),
    (2, False, f"Mozilla/5.0 (Linux; Android 13; SM-X710) {_WEBKIT} Chrome/124.0.6367.82 Safari/537.36"),
    (4, True, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (2, True, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
    (1, True, "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"),
    (1, True, "curl/8.5.0"),
)
_SEARCH_TERMS: Final = ("headphones", "coffee", "yoga+mat", "gift+ideas", "jacket", "python+book", "mug")
_STATIC_ASSETS: Final = ("/static/js/app.3f9a1c.js", "/static/css/main.8b21e0.css", "/static/img/logo.svg")


_CATEGORY_SLUGS: Final = tuple(sorted(c.lower().replace(" & ", "-") for c in _CATEGORIES))


def _web_request(rng: random.Random, master: _MasterData, is_bot: bool) -> tuple[str, str, str]:
    """(method, path, kind) of one request; kind is "page", "static" or "missing" (a path that 404s)."""
    roll = rng.random()
    if is_bot:
        if roll < 0.15:
            return "GET", rng.choice(("/robots.txt", "/sitemap.xml")), "static"
        if roll < 0.2:
            return "GET", rng.choice(("/wp-login.php", "/.env", "/old-promo")), "missing"
        return "GET", f"/products/{rng.choice(master.products).product_id}", "page"
    if roll < 0.12:
        return "GET", "/", "page"
    if roll < 0.45:
        return "GET", f"/products/{rng.choice(master.products).product_id}", "page"
    if roll < 0.55:
        return "GET", f"/category/{rng.choice(_CATEGORY_SLUGS)}", "page"
    if roll < 0.63:
        return "GET", f"/search?q={rng.choice(_SEARCH_TERMS)}", "page"
    if roll < 0.70:
        return rng.choice(("GET", "POST")), "/cart", "page"
    if roll < 0.74:
        return "POST", "/checkout", "page"
    if roll < 0.80:
        return "POST", "/api/v1/cart/items", "page"
    if roll < 0.83:
        return "GET", "/account", "page"
    if roll < 0.98:
        return "GET", rng.choice(_STATIC_ASSETS), "static"
    return "GET", f"/products/P{len(master.products) + rng.randrange(1, 500):04d}", "missing"  # a dead link


def _web_logs_file(day: date, config: GeneratorConfig, master: _MasterData) -> bytes:
    rng = random.Random(seed_for(config.seed, day, "web_logs"))
    n = config.web_logs_per_day
    agent_weights = [w for w, _, _ in _USER_AGENTS]
    agents = rng.choices(_USER_AGENTS, weights=agent_weights, k=n)
    millis = sorted(h * 3_600_000 + rng.randrange(3_600_000) for h in rng.choices(range(24), _WEB_HOUR_WEIGHTS, k=n))
    # Server errors follow load, and each day has one bad hour (a deploy, a database hiccup).
    incident_hour = rng.randrange(24)
    prefix = day.isoformat()
    dirty = _dirty_slots(rng, n, DIRT_KINDS["web_logs"], config.dirt_rate)
    lines = []
    for i in range(n):
        _, is_bot, agent = agents[i]
        method, path, kind = _web_request(rng, master, is_bot)
        ms = millis[i]
        hour = ms // 3_600_000
        error_rate = 0.12 if hour == incident_hour else 0.02 if 18 <= hour <= 21 else 0.004
        latency = int(rng.lognormvariate(3.4, 0.6))
        roll = rng.random()
        if roll < error_rate:
            status = rng.choice((500, 502, 503, 504))
            latency = latency * 10 + 1000
        elif kind == "missing":
            status = 404
        elif kind == "static" and roll < 0.4:
            status, latency = 304, latency // 4
        elif path == "/account" and roll < 0.3:
            status = 302
        else:
            status = 200
        customer = None if is_bot or rng.random() < 0.6 else rng.choice(master.customer_ids)
        record: dict[str, Any] = {
            "ts": f"{prefix}T{hour:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}+00:00",
            "method": method,
            "path": path,
            "status": status,
            "latency_ms": latency,
            "user_agent": agent,
            "customer_id": customer,
        }
        dirt = dirty.get(i)
        if dirt == "missing_status":
            if rng.random() < 0.5:
                del record["status"]
            else:
                record["status"] = None
        elif dirt == "status_out_of_range":
            record["status"] = rng.choice((0, 42, 600, 999, 1000))
        line = json.dumps(record)
        if dirt == "malformed_json":
            line = line[: rng.randrange(len(line) // 3, len(line) - 1)]
        lines.append(line)
    return ("\n".join(lines) + "\n").encode()
