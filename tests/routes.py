"""The app's routes for tests that go through all of them: each rule's placeholders, a
URL with chosen values in them, and the forms and links a page offers (what a browser
would send back), so a test can tamper with what the views really read."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

#: ``<name>``, ``<int:name>``, ``<any(a, b):name>``: converter, its arguments, name.
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Placeholder:
    name: str
    converter: str  # "int", "any", "path", "default"...
    options: tuple[str, ...] = ()  # an ``any`` converter's words


@dataclass(frozen=True)
class Route:
    rule: str
    endpoint: str
    method: str

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        return tuple(Placeholder(m["name"], m["converter"] or "default",
                                 tuple(o.strip() for o in (m["args"] or "").split(",") if o.strip()))
                     for m in PLACEHOLDER.finditer(self.rule))

    def url(self, values: Mapping[str, str]) -> str:
        """The rule with ``values`` in it, each quoted as a browser would (nothing checked:
        the value may be one the converter refuses)."""
        return PLACEHOLDER.sub(lambda m: quote(values[m["name"]], safe=""), self.rule)


def routes(app: Flask, prefix: str = "/") -> list[Route]:
    """Every rule under ``prefix`` and method (but HEAD and OPTIONS), in a fixed order."""
    found = [Route(rule.rule, rule.endpoint, method)
             for rule in app.url_map.iter_rules() if rule.rule.startswith(prefix)
             for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda r: (r.rule, r.method))


def rule_of(app: Flask, url: str, method: str) -> Rule | None:
    """The rule a URL of this site reaches, if any."""
    path = urlsplit(url).path
    try:
        rule, _args = app.url_map.bind("localhost").match(path, method=method, return_rule=True)
    except HTTPException:
        return None
    return rule


# -- what pages offer: forms with their current values, and links' parameters ----------

@dataclass
class Form:
    action: str
    method: str
    #: Each field's values as the page shows them (a browser sends these back).
    fields: dict[str, list[str]] = field(default_factory=dict)
    #: Fields marked required (WTForms marks those it requires).
    required: set[str] = field(default_factory=set)

    def filled(self) -> dict[str, str]:
        """What a person would send: the first value of each field, "1" in a required
        one left empty (so the rest of the form is valid more often)."""
        return {name: values[0] if values and values[0] else "1" if name in self.required else ""
                for name, values in self.fields.items()}


class _Scraper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "?" in a.get("href", ""):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").upper())
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif self._form is not None and "name" in a:
            self._field(tag, a)

    def _field(self, tag: str, a: dict[str, str]) -> None:
        assert self._form is not None
        if "required" in a:
            self._form.required.add(a["name"])
        if tag in ("input", "button"):
            values = self._form.fields.setdefault(a["name"], [])
            kind = a.get("type", "text" if tag == "input" else "submit")
            if kind not in ("checkbox", "radio", "submit") or "checked" in a or not values:
                values.append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.fields[a["name"]] = [""]

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.fields[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._form is not None and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self._form.fields[self._select] = chosen
            self._select = None


def page_forms(html: str, page_url: str) -> tuple[list[Form], list[tuple[str, list[str]]]]:
    """The page's forms (an empty action is the page itself) and its links, each as
    (path, parameter names)."""
    scraper = _Scraper()
    scraper.feed(html)
    for form in scraper.forms:
        form.action = form.action or page_url
    links = [(urlsplit(href).path, [k for k, _v in parse_qsl(urlsplit(href).query, True)])
             for href in scraper.links]
    return scraper.forms, links


def offered(app: Flask, pages: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, str]]]:
    """For each (endpoint, method) some page's forms or links lead to: what each of them
    sends, as the page shows it (a link's parameters as "1"). ``pages`` is (url, html)."""
    found: dict[tuple[str, str], list[dict[str, str]]] = {}
    for url, html in pages:
        forms, links = page_forms(html, url)
        sent = [(form.action, form.method, form.filled()) for form in forms]
        sent += [(path, "GET", dict.fromkeys(names, "1")) for path, names in links]
        for action, method, fields in sent:
            rule = rule_of(app, action, method)
            if rule is not None and fields not in found.setdefault((rule.endpoint, method), []):
                found[(rule.endpoint, method)].append(fields)
    return found
