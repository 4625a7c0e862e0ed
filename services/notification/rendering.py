"""Messages from templates (jinja2), dates and times via babel, then a MIME e-mail. Pure: no I/O beyond the files.

``templates/<language>/<template>.j2`` holds one message: a ``{% set subject %}`` block and the body (plain
paragraphs separated by blank lines; the in-app inbox shows exactly this). ``email.txt`` and ``email.html``
wrap a body into the plain-text and HTML (autoescaped) parts of an e-mail; ``digest.j2`` lists several
messages in one; ``labels.j2`` holds the words templates share. A contact whose language has no folder gets
English. Dates and times are formatted for the language's locale in the district's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Final

from babel.dates import format_date, format_time
from babel.dates import format_datetime as babel_datetime
from babel.lists import format_list
from babel.units import format_unit
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from .domain import as_utc
from .preferences import zone

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE: Final = "en"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str  # the message alone (what the inbox shows)
    text: str  # the e-mail's plain-text part: greeting, body, sign-off
    html: str


def _plain(text: str) -> str:
    """CLDR's no-break spaces ("1:00 PM", "1 heure") as plain spaces: e-mail headers and clients mangle them."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _moment(value: datetime | str) -> datetime:
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def format_when(value: datetime | str, lang: str, tz: str) -> str:
    """``Monday, November 3, 2025, 5:00 AM (Pacific Standard Time)``; ``lunes, 3 de noviembre de 2025, 5:00 (...)``."""
    local = _moment(value).astimezone(zone(tz))
    zone_name = babel_datetime(local, "zzzz", tzinfo=local.tzinfo, locale=lang)
    return _plain(f"{format_date(local, 'full', locale=lang)}, {format_time(local, 'short', locale=lang)} ({zone_name})")


def format_day(value: datetime | str, lang: str, tz: str) -> str:
    """``Friday, November 14, 2025``, the date in the district's zone."""
    return _plain(format_date(_moment(value).astimezone(zone(tz)), "full", locale=lang))


def format_duration(minutes: int, lang: str) -> str:
    """``45 minutes``, ``1 hour``, ``1 hour and 30 minutes``, ``1 hora y 30 minutos``."""
    hours, rest = divmod(int(minutes), 60)
    parts = [format_unit(hours, "duration-hour", length="long", locale=lang)] if hours else []
    if rest or not hours:
        parts.append(format_unit(rest, "duration-minute", length="long", locale=lang))
    return _plain(format_list(parts, locale=lang))


def join_names(names: list[str], lang: str) -> str:
    """``A``, ``A and B``, ``A, B y C``."""
    return format_list(list(names), locale=lang) if names else ""


@pass_context
def _when(ctx: Context, value: datetime | str) -> str:
    return format_when(value, ctx["lang"], ctx["time_zone"])


@pass_context
def _day(ctx: Context, value: datetime | str) -> str:
    return format_day(value, ctx["lang"], ctx["time_zone"])


@pass_context
def _duration(ctx: Context, minutes: int) -> str:
    return format_duration(minutes, ctx["lang"])


@pass_context
def _names(ctx: Context, names: list[str]) -> str:
    return join_names(names, ctx["lang"])


class Renderer:
    """Renders one template in one language; the same instance serves every delivery."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self.directory = directory
        self.env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters.update(when=_when, day=_day, duration=_duration, names=_names)

    def language(self, wanted: str | None) -> str:
        """``wanted`` when its templates exist, else English."""
        if wanted and wanted.isalpha() and (self.directory / wanted).is_dir():
            return wanted
        return DEFAULT_LANGUAGE

    def message(self, template: str, language: str | None, context: dict[str, Any]) -> tuple[str, str]:
        """Subject (one line) and body of ``template``; ``context`` needs ``time_zone`` and the template's values."""
        lang = self.language(language)
        module = self.env.get_template(f"{lang}/{template}.j2").make_module({"name": None, **context, "lang": lang})
        subject = " ".join(str(getattr(module, "subject", "")).split())  # a header: never a line break from a name
        return subject, _paragraphs(str(module))

    def render(self, template: str, language: str | None, context: dict[str, Any]) -> Rendered:
        """Subject, body, and the e-mail's plain-text and HTML parts of ``template``."""
        subject, body = self.message(template, language, context)
        return self.wrap(subject, body, language, context.get("name"))

    def digest(self, items: list[tuple[str, str]], language: str | None, name: str | None) -> Rendered:
        """One e-mail listing several (subject, body) messages."""
        entries = [{"subject": s, "body": b} for s, b in items]
        subject, body = self.message("digest", language, {"items": entries, "name": name, "time_zone": "UTC"})
        return self.wrap(subject, body, language, name)

    def wrap(self, subject: str, body: str, language: str | None, name: str | None) -> Rendered:
        lang = self.language(language)
        values = {"lang": lang, "name": name, "subject": subject, "body": body}
        paragraphs = [p.splitlines() for p in body.split("\n\n")]
        return Rendered(
            subject=subject,
            body=body,
            text=self.env.get_template(f"{lang}/email.txt").render(values).strip() + "\n",
            html=self.env.get_template(f"{lang}/email.html").render({**values, "paragraphs": paragraphs}),
        )


def _paragraphs(text: str) -> str:
    """Paragraphs separated by exactly one blank line; lines inside a paragraph kept."""
    blocks = ["\n".join(line.strip() for line in block.strip().splitlines()) for block in text.split("\n\n")]
    return "\n\n".join(b for b in blocks if b)


def compose(rendered: Rendered, *, sender: str, to_address: str, message_key: str, date: datetime) -> EmailMessage:
    """A multipart/alternative e-mail. The Message-ID derives from ``message_key`` so a resend can be recognised."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = to_address  # the bare address: the greeting already names the person
    msg["Date"] = format_datetime(as_utc(date))
    msg["Message-ID"] = f"<{message_key}@{parseaddr(sender)[1].rpartition('@')[2] or 'mentoring.local'}>"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg
