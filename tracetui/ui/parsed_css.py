"""A stylesheet that parses each CSS source once for a set of theme variables, and matches a
widget's component classes once for what their rules can tell of its path.

Textual parsed every source again at each reparse (a screen with its own CSS pushed, the theme set):
here the rules parsed are kept for the process, keyed by the source, where it was read and the
variables its `$names` were replaced with. Parsed rules are only read once made.

More in docs/internals/ui.md, `ui/parsed_css.py`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from textual.cache import LRUCache
from textual.css.model import RuleSet, SelectorType
from textual.css.stylesheet import CSSLocation, Stylesheet
from textual.css.styles import RulesMap
from textual.dom import DOMNode

# Enough for every source under a few themes (a theme picked in the palette parses them all again).
_PARSED: LRUCache[tuple, list[RuleSet]] = LRUCache(1024)


class ParsedOnce(Stylesheet):
    _variables_key: tuple | None = None
    _matched_for: list[RuleSet] | None = None  # the rules `_matched` was filled from

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (what selectors test along the widget's path, component class) -> the rules it matched
        self._matched: LRUCache[tuple, RulesMap] = LRUCache(4096)
        self._vocabularies: dict[frozenset[str], _Vocabulary] = {}
        self._made_of: tuple[RuleSet, ...] = ()  # the rules `_matched` holds what they matched of
        # node -> component -> the key its component styles were last made for
        self._last: WeakKeyDictionary[DOMNode, dict[str, tuple]] = WeakKeyDictionary()

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

    def _process_component_classes(self, node: DOMNode) -> None:
        # Textual 8.2.8's, with each component's matched rules kept (the module's docstring).
        components = node._get_component_classes()
        if not components:
            return
        rules = self.rules
        if self._matched_for is not rules:
            self._matched_for = rules
            # A screen's CSS pushed parses the stylesheet again: the same sources give the same rules
            # (`_PARSED`), and what they matched holds.
            made_of = tuple(rules)  # held: an id is never another rule's while it is
            if len(made_of) != len(self._made_of) or any(a is not b for a, b in zip(made_of, self._made_of)):
                self._made_of = made_of
                self._matched.clear()
                self._vocabularies = {}
                self._last = WeakKeyDictionary()
        signature = _signature(node.css_path_nodes, self._vocabulary(components))
        refresh = False
        old = node._component_styles.copy()
        node._component_styles.clear()
        last = self._last.setdefault(node, {})
        for component in sorted(components):
            key = (component, signature)
            if last.get(component) == key and component in old:
                node._component_styles[component] = old[component]  # what it matched has not changed
                continue
            last[component] = key
            virtual = DOMNode(classes=component)
            virtual._attach(node)
            matched = self._matched.get(key)
            if matched is None:
                self.apply(virtual, animate=False)
                self._matched[key] = RulesMap(**virtual.styles.base._rules)
            else:
                self.replace_rules(virtual, RulesMap(**matched), animate=False)
            if not refresh and old.get(component) != virtual.styles:
                refresh = True
            node._component_styles[component] = virtual.styles
        if refresh:
            node.refresh()

    def _vocabulary(self, components: Collection[str]) -> _Vocabulary:
        """What the rules that may style one of `components` test along a path: the types, ids,
        classes and pseudo-classes their selectors name (nothing else can change whether they match)."""
        kept = frozenset(components)
        found = self._vocabularies.get(kept)
        if found is None:
            rules_map = self.rules_map
            names: dict[SelectorType, set[str]] = {kind: set() for kind in SelectorType}
            pseudo: set[str] = set()
            for name in rules_map.keys() & DOMNode(classes=" ".join(kept))._selector_names:
                for rule in rules_map[name]:
                    for selectors in rule.selector_set:
                        for selector in selectors.selectors:
                            names[selector.type].add(selector.name)
                            pseudo |= selector.pseudo_classes
            any_node = bool(names[SelectorType.UNIVERSAL] or names[SelectorType.NESTED])
            classes = frozenset(names[SelectorType.CLASS] | ({"-textual-system"} if any_node else set()))
            types, ids = frozenset(names[SelectorType.TYPE]), frozenset(names[SelectorType.ID])
            found = _Vocabulary(types, ids, classes, tuple(sorted(pseudo)))
            self._vocabularies[kept] = found
        return found


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    types: frozenset[str]
    ids: frozenset[str]
    classes: frozenset[str]
    pseudo: tuple[str, ...]


def _signature(path: list[DOMNode], words: _Vocabulary) -> tuple:
    """Each node of `path` as the vocabulary's selectors can tell it from another."""
    return tuple(
        (
            words.types.intersection(n._css_type_names),
            n.id if n.id in words.ids else None,
            words.classes.intersection(n._classes),
            tuple(n.has_pseudo_class(p) for p in words.pseudo),
        )
        for n in path
    )
