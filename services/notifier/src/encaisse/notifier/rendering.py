"""Rendering messages from templates: sandboxed Jinja2, formatted for the recipient's locale.

A template is one Jinja source per name and language that ``{% extends layout %}``
and fills blocks: ``subject`` and ``message`` (plain paragraphs separated by
blank lines) for email, ``sms`` for SMS, and optionally ``signature``. The
layouts (``_email.txt``, ``_email.html``, ``_subject.txt``, ``_sms.txt``) add
the account statement when the command carries the customer's position (overdue
invoices with their days overdue, invoices soon due, totals overdue and outstanding
per currency; the SMS: its overdue totals), else the table of the command's invoices
with their totals per currency, and the portal link, so a tenant's override only
writes words. The same source is compiled twice: with HTML
autoescaping for the HTML part, without for the plain text.

Defaults live in ``templates/<language>/<name>.j2``; a tenant's overrides, kept
in the database, come first. No I/O besides reading the packaged defaults; the
variables (``domain.content.message_context``) are the domain's.

Every date a debtor reads is in their locale: the invoice table and ``today`` come
formatted; a date carried in ``context`` (an ISO date, as the scheduler sends it) goes
through the ``date`` filter: ``{{ context.promised_date | date }}`` prints "7 décembre
2026" for a French debtor, ``| date("short")`` "07/12/2026".
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    DictLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    meta,
    nodes,
    pass_context,
)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

# the variables come from the domain; re-exported for the benchmark (bench/notifier.py)
from encaisse.notifier.domain.content import LABELS, base_language, message_context

__all__ = [
    "DEFAULT_NAMES",
    "TEMPLATES",
    "Rendered",
    "TemplateMissing",
    "TemplateRefused",
    "Templates",
    "check_template",
    "message_context",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_NAMES = (
    "courtesy_reminder",
    "first_reminder",
    "second_reminder",
    "third_reminder",
    "thank_you",
    "direct_debit_rejected",
    "dispute_acknowledged",
    "promise_confirmed",
    "portal_link",
)
FALLBACK_LANGUAGES = ("en", "fr")
VARIABLES = frozenset(
    {
        "layout",
        "labels",
        "debtor",
        "tenant",
        "invoices",
        "totals",
        "statement",
        "portal_link",
        "context",
        "sender_name",
        "today",
        "step",
        "locale",
        "payments",
    }
)


class TemplateMissing(LookupError):
    """No template of that name in any language, for the tenant or by default."""


class TemplateRefused(ValueError):
    """A template that does not compile or uses an unknown variable; ``line`` says where."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    text: str
    html: str | None


def _paragraphs(value: str) -> Markup:
    """Plain paragraphs (blank-line separated) to HTML ``<p>``; escapes unless already Markup."""
    text = value if isinstance(value, Markup) else escape(value)
    blocks = [b.strip() for b in str(text).replace("\r\n", "\n").split("\n\n")]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup(b.replace("\n", "<br>\n"))) for b in blocks if b
    )


@pass_context
def _date(ctx: Any, value: Any, style: str = "long") -> str:
    """A date (or an ISO date text, as ``context`` carries them) in the recipient's locale."""
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return format_date(day, style, locale=ctx.get("locale") or "en")


def _environment(loader: BaseLoader, html: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["paragraphs"] = _paragraphs
    env.filters["date"] = _date
    return env


def _key(name: str, language: str) -> str:
    return f"{language}/{name}.j2"


class Templates:
    """The templates one tenant sees: its overrides over the packaged defaults."""

    def __init__(self, overrides: Mapping[tuple[str, str], str] | None = None) -> None:
        self._overrides = {_key(n, lang): src for (n, lang), src in (overrides or {}).items()}
        if self._overrides:
            loader: BaseLoader = ChoiceLoader([DictLoader(self._overrides), _defaults_loader()])
            self._text, self._html = _environment(loader, False), _environment(loader, True)
        else:
            self._text, self._html = _default_environments()

    def language_for(self, name: str, wanted: str, fallback: str | None = None) -> str:
        """The debtor's language, else ``fallback`` (the tenant's), else English, else
        French: the first one the template exists in (the tenant's own or by default)."""
        tried = (base_language(wanted), *((base_language(fallback),) if fallback else ()))
        for language in (*tried, *FALLBACK_LANGUAGES):
            if (
                _key(name, language) in self._overrides
                or (TEMPLATES / _key(name, language)).exists()
            ):
                return language
        raise TemplateMissing(f"no template {name!r}")

    def render_email(
        self,
        name: str,
        wanted_language: str,
        variables: Mapping[str, Any],
        fallback_language: str | None = None,
    ) -> Rendered:
        language = self.language_for(name, wanted_language, fallback_language)
        key = _key(name, language)
        variables = {**variables, "labels": LABELS.get(language, LABELS["en"])}
        subject = self._text.get_template(key).render(variables, layout="_subject.txt")
        text = self._text.get_template(key).render(variables, layout="_email.txt")
        html = self._html.get_template(key).render(variables, layout="_email.html")
        return Rendered(language, " ".join(subject.split()), text.strip() + "\n", html)

    def render_sms(
        self,
        name: str,
        wanted_language: str,
        variables: Mapping[str, Any],
        fallback_language: str | None = None,
    ) -> Rendered:
        language = self.language_for(name, wanted_language, fallback_language)
        variables = {**variables, "labels": LABELS.get(language, LABELS["en"])}
        text = self._text.get_template(_key(name, language)).render(variables, layout="_sms.txt")
        return Rendered(language, "", " ".join(text.split()), None)


@lru_cache(maxsize=1)
def _defaults_loader() -> FileSystemLoader:
    return FileSystemLoader(str(TEMPLATES))


@lru_cache(maxsize=1)
def _default_environments() -> tuple[SandboxedEnvironment, SandboxedEnvironment]:
    return _environment(_defaults_loader(), False), _environment(_defaults_loader(), True)


def check_template(source: str, sample: Mapping[str, Any]) -> None:
    """Refuse a tenant's template that does not compile, names an unknown variable, lacks a
    ``subject`` or ``message`` block, or fails on sample data; the error carries the line."""
    env = _environment(_defaults_loader(), False)
    try:
        tree = env.parse(source)
        undeclared = meta.find_undeclared_variables(tree)  # compiles: unknown filters fail here
    except TemplateSyntaxError as exc:
        raise TemplateRefused(exc.message or "syntax error", exc.lineno) from exc
    unknown = undeclared - VARIABLES - set(env.globals)
    if unknown:
        first = min(
            (n for n in tree.find_all(nodes.Name) if n.name in unknown), key=lambda n: n.lineno
        )
        raise TemplateRefused(
            f"unknown variable {first.name!r}; known: " + ", ".join(sorted(VARIABLES - {"layout"})),
            first.lineno,
        )
    extends = tree.find(nodes.Extends)
    if extends is None or not (
        isinstance(extends.template, nodes.Name) and extends.template.name == "layout"
    ):
        raise TemplateRefused(
            "a template starts with {% extends layout %}", extends.lineno if extends else 1
        )
    blocks = {b.name for b in tree.find_all(nodes.Block)}
    for needed in ("subject", "message"):
        if needed not in blocks:
            raise TemplateRefused(f"the block {needed!r} is missing", None)
    for layout, html in (
        ("_subject.txt", False),
        ("_email.txt", False),
        ("_email.html", True),
        ("_sms.txt", False),
    ):
        trial = _environment(ChoiceLoader([DictLoader({"t.j2": source}), _defaults_loader()]), html)
        try:
            trial.get_template("t.j2").render(sample, layout=layout)
        except Exception as exc:  # whatever the template does wrong, it is refused
            message = str(exc) if isinstance(exc, TemplateError) else f"{type(exc).__name__}: {exc}"
            raise TemplateRefused(message, _template_line(exc)) from exc


def _template_line(exc: BaseException) -> int | None:
    """The line in the tenant's source where rendering failed. Jinja rewrites the traceback
    with template lines; the source under check is the only one without a file name (the
    layouts come from files)."""
    lines = [
        f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<template>"
    ]
    return lines[-1] if lines else None
