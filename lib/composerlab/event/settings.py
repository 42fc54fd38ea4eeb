"""The settings a facilitator sets and changes during the day, and their checks: pure functions.

The public address (what phones open: printed links, QR codes, decks), the event's time zone (deadlines are
typed and shown in local time, stored in UTC), whether submissions are open and why not, and the limits of
what counts for the judges. The store writes what these return.
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import datetime, time, timezone
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from composerlab.event.rules import EventError

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
SETTINGS = {
    "public_url": "the address contestants open, e.g. http://192.168.1.20:8000",
    "timezone": "the event's local time zone (IANA name, e.g. Europe/Paris)",
    "max_per_composer": "how many pieces a contestant may send in all",
    "judged_per_composer": "how many of them (the latest) go to the human judges",
    "podium_unique": "a podium holds each contestant once",
    "anonymous": "judges and the leaderboard see pieces by number until the awards",
    "minutes_per_piece": "minutes a judge spends on one piece",
}
"""Every setting ``POST /api/settings`` and ``composerlab event set`` change, with what it means."""


@dataclass
class CheckedUrl:
    """A public address as stored, and a warning a person should read (None when there is none)."""
    url: str
    warning: str | None = None


def check_public_url(value: str | None, port_hint: int = 8000) -> CheckedUrl:
    """The address contestants open, checked: a scheme and a host another device can reach.

    No scheme (``192.168.1.20:8000``) or ``0.0.0.0`` is refused with the fix; a loopback host
    (``127.0.0.1``, ``localhost``) is kept with a warning: only this machine can open it. "" means none.
    """
    text = (value or "").strip()
    if not text:
        return CheckedUrl("")
    if "://" not in text:
        raise EventError(f"the address '{text}' has no scheme, so links built on it break: "
                         f"write http://{text.rstrip('/')}", 422)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise EventError(f"the address '{text}' must start with http:// or https://", 422)
    host = parts.hostname or ""
    if not host:
        raise EventError(f"the address '{text}' names no host: write e.g. http://192.168.1.20:{port_hint}", 422)
    try:
        parts.port  # noqa: B018  (reading it checks it)
    except ValueError:
        raise EventError(f"the address '{text}' has a port that is not a number", 422) from None
    if parts.query or parts.fragment:
        raise EventError(f"the address '{text}' must not carry '?' or '#' parts", 422)
    if host == "0.0.0.0" or host == "::":
        raise EventError(f"{host} is where a server listens, not an address to open: use this machine's LAN "
                         f"address, e.g. http://192.168.1.20:{parts.port or port_hint} "
                         "('composerlab serve DIR --host 0.0.0.0' prints it)", 422)
    url = text.rstrip("/")
    if is_loopback(host):
        return CheckedUrl(url, f"{host} is each device's own address: only this computer can open {url}. For "
                               f"phones and other laptops use this machine's LAN address, e.g. "
                               f"http://192.168.1.20:{parts.port or port_hint} ('composerlab serve DIR --host "
                               "0.0.0.0' prints it)")
    return CheckedUrl(url)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def local_timezone() -> str:
    """This machine's time zone as an IANA name (``TZ``, else ``/etc/localtime``'s link), else "UTC"."""
    given = os.environ.get("TZ", "").lstrip(":")
    if given and check_zone(given, quiet=True):
        return given
    link = Path("/etc/localtime")
    if link.is_symlink():
        target = str(link.resolve())
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if check_zone(name, quiet=True):
                return name
    return "UTC"


def check_zone(name: str, quiet: bool = False) -> str | None:
    """``name`` if it is a time zone this machine knows, else an EventError (or None when ``quiet``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if quiet:
            return None
        raise EventError(f"'{name}' is not a time zone this machine knows; write an IANA name such as "
                         "Europe/Paris, America/New_York or UTC", 422) from None
    return name


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(check_zone(name, quiet=True) or "UTC")


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands them back without their zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def parse_deadline(text: str | None, zone_name: str, now: datetime | None = None) -> datetime | None:
    """A deadline as typed: ISO with a zone, ISO without one (the event's local time), or ``15:00`` (today,
    local time). Returns it in UTC; None for "". A time already past is refused."""
    text = (text or "").strip()
    if not text:
        return None
    now = now or datetime.now(timezone.utc)
    local = zone(zone_name)
    try:
        if len(text) <= 8 and ":" in text and "T" not in text and "-" not in text:
            clock = time.fromisoformat(text)
            when = datetime.combine(now.astimezone(local).date(), clock, tzinfo=local)
        else:
            when = datetime.fromisoformat(text)
            when = when if when.tzinfo else when.replace(tzinfo=local)
    except ValueError:
        raise EventError(f"the deadline '{text}' is not a time: write 15:00 (today, {zone_name}) or "
                         "2026-06-10T15:00", 422) from None
    when = when.astimezone(timezone.utc)
    if when <= now:
        raise EventError(f"the deadline {clock_text(when, zone_name, day=True)} has passed already", 422)
    return when


def clock_text(value: datetime | None, zone_name: str, day: bool = False, seconds: bool = False) -> str:
    """``14:30`` (or ``Tue 10 Jun 2026, 14:30 CEST`` with ``day``) in the event's local time."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(zone(zone_name))
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{local.strftime('%a %d %b %Y')}, {clock} {local.tzname()}" if day else clock


def closed_reason(event, now: datetime | None = None) -> str | None:
    """Why an upload is refused now ("submissions closed at 14:30"), or None while they are open."""
    now = now or datetime.now(timezone.utc)
    deadline = as_utc(event.deadline)
    if not event.submissions_open:
        at = as_utc(event.closed_at)
        if deadline is not None and (at is None or deadline <= at):
            at = deadline
        return f"submissions closed at {clock_text(at, event.timezone)}" if at else "submissions are closed"
    if deadline is not None and now >= deadline:
        return f"submissions closed at {clock_text(deadline, event.timezone)} (the deadline)"
    return None


def check_limits(max_per_composer: int, judged_per_composer: int, minutes_per_piece: int = 4) -> None:
    """The limits of what a contestant sends and what the judges hear, checked together."""
    if max_per_composer < 1:
        raise EventError(f"a contestant may send at least 1 piece, not {max_per_composer}", 422)
    if not 1 <= judged_per_composer <= max_per_composer:
        raise EventError(f"the pieces per contestant that go to the judges ({judged_per_composer}) must be from 1 "
                         f"to the pieces a contestant may send ({max_per_composer})", 422)
    if not 1 <= minutes_per_piece <= 60:
        raise EventError(f"minutes per piece must be from 1 to 60, not {minutes_per_piece}", 422)


def pieces_text(n: int, what: str = "piece") -> str:
    """``1 piece``, ``3 pieces``: the one place the kit writes a count and its noun."""
    return f"{n} {what}{'' if n == 1 else 's'}"


def megabytes(n_bytes: int) -> str:
    """A size in MB (10^6 bytes), as every page and refusal writes it."""
    return f"{n_bytes / 1e6:.1f} MB"
