"""Messages from templates: jinja2 text, HTML and subject per template and language, then a MIME e-mail.

Templates live in ``templates/<language>/``: ``<name>.subject.txt``, ``<name>.txt`` and ``<name>.html``
(autoescaped). Adding a language is adding a folder; a contact whose language has no folder gets English.
Pure: no I/O beyond reading the template files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE: Final = "en"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_when(moment: datetime) -> str:
    """``Tuesday 14 October 2025, 15:30 UTC``."""
    utc = as_utc(moment)
    return f"{utc:%A} {utc.day} {utc:%B %Y, %H:%M} UTC"


def format_day(moment: datetime) -> str:
    """``Friday 14 November 2025`` (the UTC date)."""
    utc = as_utc(moment)
    return f"{utc:%A} {utc.day} {utc:%B %Y}"


def format_duration(minutes: int) -> str:
    """``45 minutes``, ``1 hour``, ``1 hour 30 minutes``."""
    hours, rest = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def join_names(names: list[str], conjunction: str = "and") -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


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
        )
        self.env.filters.update(when=format_when, day=format_day, duration=format_duration, names=join_names)

    def language(self, wanted: str | None) -> str:
        """``wanted`` when its templates exist, else English."""
        if wanted and wanted.isalpha() and (self.directory / wanted).is_dir():
            return wanted
        return DEFAULT_LANGUAGE

    def render(self, template: str, language: str | None, context: dict[str, Any]) -> Rendered:
        """Subject (one line), plain text and HTML of ``template``."""
        lang = self.language(language)
        values = {**context, "lang": lang}
        subject = self.env.get_template(f"{lang}/{template}.subject.txt").render(values)
        return Rendered(
            subject=" ".join(subject.split()),  # a header: never a line break from a name
            text=self.env.get_template(f"{lang}/{template}.txt").render(values),
            html=self.env.get_template(f"{lang}/{template}.html").render(values),
        )


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
