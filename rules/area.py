"""Is a place in the partnership's area? Postcode districts, sectors and place names, as configured.

The duty to notify the Panel falls on the local authority where the harm or death happened (Children Act 2004
s16C(1)); a SAR is for an adult in the board's area (Care Act 2014 s44(1)). The area is configuration
(config.yaml `partnership.area`): a stated postcode or town answers "in area" with a confidence, since a
postcode district can straddle a boundary and a town's name can also be a street's. Anything else is asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Placing(StrEnum):
    """Where a place falls, as far as the text shows."""

    IN_AREA = "in_area"
    ELSEWHERE_IN_ENGLAND = "elsewhere_in_england"
    OUTSIDE_ENGLAND = "outside_england"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Area:
    """The partnership's area: whole postcode districts, sectors of shared districts, and place names."""

    name: str = ""
    postcode_districts: frozenset[str] = frozenset()  # e.g. SL4: wholly or almost wholly in the area
    postcode_sectors: frozenset[str] = frozenset()  # e.g. "SL5 7": a district shared with a neighbour
    places: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        """Whether anything is configured at all (without it, every place is asked about)."""
        return bool(self.postcode_districts or self.postcode_sectors or self.places)


@dataclass(frozen=True)
class PlaceReading:
    """How a place was read: where it falls, how sure, and what in the text said so."""

    placing: Placing
    confidence: float
    evidence: str


# A whole UK postcode (outward and inward code); an outward code alone counts only when it is one of ours.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9])([A-Z]{2})\b", re.IGNORECASE)
_OUTWARD = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\b", re.IGNORECASE)
# Postcode areas of Scotland, Wales, Northern Ireland and the Crown Dependencies (a few border areas aside).
_NOT_ENGLAND_AREAS = frozenset({"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH",
                                "TD", "ZE", "CF", "LD", "LL", "NP", "SA", "BT", "IM", "JE", "GY"})
# Places outside England where a child normally resident here engages this authority's duty.
_OUTSIDE_ENGLAND = re.compile(
    r"\b(scotland|wales|northern ireland|abroad|overseas|outside (?:england|the uk)|isle of man|jersey|guernsey)\b",
    re.IGNORECASE,
)
# Confidence of each kind of reading (a postcode sector is precise; a name can be a street's).
SECTOR_CONFIDENCE = 0.95
DISTRICT_CONFIDENCE = 0.85
OTHER_POSTCODE_CONFIDENCE = 0.85
PLACE_CONFIDENCE = 0.7


def read_place(text: str, area: Area) -> PlaceReading:
    """Where `text` (an address, a postcode or a town) falls relative to `area`."""
    if not text.strip() or not area.configured:
        return PlaceReading(Placing.UNKNOWN, 0.0, "")
    postcode = _POSTCODE.search(text)
    if postcode is not None:
        return _by_postcode(postcode, area)
    outward = next((m.group(1).upper() for m in _OUTWARD.finditer(text)
                    if m.group(1).upper() in area.postcode_districts), None)
    if outward is not None:
        return PlaceReading(Placing.IN_AREA, DISTRICT_CONFIDENCE, outward)
    outside = _OUTSIDE_ENGLAND.search(text)
    if outside is not None:
        return PlaceReading(Placing.OUTSIDE_ENGLAND, PLACE_CONFIDENCE, outside.group(0))
    for place in area.places:
        if re.search(rf"\b{re.escape(place)}\b", text, re.IGNORECASE):
            return PlaceReading(Placing.IN_AREA, PLACE_CONFIDENCE, place)
    return PlaceReading(Placing.UNKNOWN, 0.0, "")


def _by_postcode(match: re.Match[str], area: Area) -> PlaceReading:
    district = match.group(1).upper()
    sector = f"{district} {match.group(2)}"
    written = match.group(0).upper()
    if sector in area.postcode_sectors:
        return PlaceReading(Placing.IN_AREA, SECTOR_CONFIDENCE, written)
    if district in area.postcode_districts:
        return PlaceReading(Placing.IN_AREA, DISTRICT_CONFIDENCE, written)
    if any(s.split()[0] == district for s in area.postcode_sectors):
        # A shared district, but not one of our sectors: the neighbour's side of the boundary.
        return PlaceReading(Placing.ELSEWHERE_IN_ENGLAND, DISTRICT_CONFIDENCE, written)
    if re.match(r"[A-Z]+", district).group(0) in _NOT_ENGLAND_AREAS:  # type: ignore[union-attr]
        return PlaceReading(Placing.OUTSIDE_ENGLAND, OTHER_POSTCODE_CONFIDENCE, written)
    return PlaceReading(Placing.ELSEWHERE_IN_ENGLAND, OTHER_POSTCODE_CONFIDENCE, written)


def area_from_mapping(data: object) -> Area:
    """The `partnership.area` section of config.yaml as an Area; ValueError names the bad key."""
    if data is None:
        return Area()
    if not isinstance(data, dict):
        raise ValueError("partnership.area: must be a mapping (name, postcode_districts, postcode_sectors, places)")
    unknown = sorted(set(data) - {"name", "postcode_districts", "postcode_sectors", "places"})
    if unknown:
        raise ValueError(f"partnership.area: unknown key(s): {', '.join(map(str, unknown))}")
    lists = {key: data.get(key) or [] for key in ("postcode_districts", "postcode_sectors", "places")}
    for key, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError(f"partnership.area.{key}: must be a list of non-empty strings")
    return Area(
        name=str(data.get("name") or ""),
        postcode_districts=frozenset(v.strip().upper() for v in lists["postcode_districts"]),
        postcode_sectors=frozenset(" ".join(v.strip().upper().split()) for v in lists["postcode_sectors"]),
        places=tuple(v.strip() for v in lists["places"]),
    )
