"""A stylesheet that parses each CSS source once for a set of theme variables.

Textual's stylesheet keeps the rules it parsed in a cache of its own, but a reparse (a screen with its
own CSS pushed: the browser, a dialog; the theme set) parses every source again in a new stylesheet
with an empty cache: each of the app's and its widgets' sixty sources, a quarter of the app's start
and of each dialog's opening. Here the rules parsed are kept for the process, keyed by what they are
parsed from: the source, where it was read and the variables its `$names` were replaced with (a theme
changes them). Parsed rules are only read once made (Textual reuses them across its own parses).
"""

from __future__ import annotations

from textual.cache import LRUCache
from textual.css.model import RuleSet
from textual.css.stylesheet import CSSLocation, Stylesheet

# Enough for every source under a few themes (a theme picked in the palette parses them all again).
_PARSED: LRUCache[tuple, list[RuleSet]] = LRUCache(1024)


class ParsedOnce(Stylesheet):
    _variables_key: tuple | None = None

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._variables_key = None

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        if self._variables_key is None:
            self._variables_key = tuple(sorted(self._variables.items()))
        key = (self._variables_key, css, read_from, is_default_rules, tie_breaker, scope)
        rules = _PARSED.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            _PARSED[key] = rules
        return rules

    def reparse(self) -> None:
        # Textual 8.2.8's `Stylesheet.reparse` but for the new stylesheet's class (this one): a source's
        # rules come from the cache. As there, the parse is made in a new stylesheet so that an error
        # leaves this one whole.
        stylesheet = ParsedOnce(variables=self._variables)
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            stylesheet.add_source(
                css, read_from=read_from, is_default_css=is_defaults, tie_breaker=tie_breaker, scope=scope
            )
        try:
            stylesheet.parse()
        except Exception:
            self._invalid_css.update(stylesheet._invalid_css)
            raise
        else:
            self._rules = stylesheet.rules
            self._rules_map = None
            self.source = stylesheet.source
            self._require_parse = False
