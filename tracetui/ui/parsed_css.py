"""A stylesheet that parses each CSS source once for a set of theme variables, and matches a
node's rules (and a widget's component classes) once for what those rules can tell of its path.

Textual parsed every source again at each reparse (a screen with its own CSS pushed, the theme set):
here the rules parsed are kept for the process, keyed by the source, where it was read and the
variables its `$names` were replaced with. Parsed rules are only read once made.

More in docs/internals/ui.md, `ui/parsed_css.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, cast
from weakref import WeakKeyDictionary

from textual.cache import LRUCache
from textual.css.model import RuleSet, SelectorType
from textual.css.styles import RulesMap
from textual.css.stylesheet import _DEFAULT_STYLES, CSSLocation, Stylesheet
from textual.css.types import Specificity6
from textual.dom import DOMNode

# Enough for every source under a few themes (a theme picked in the palette parses them all again).
_PARSED: LRUCache[tuple, list[RuleSet]] = LRUCache(1024)


class ParsedOnce(Stylesheet):
    _variables_key: tuple | None = None
    _matched_for: list[RuleSet] | None = None  # the rules `_memo` was found for

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo = _Memo(())
        # node -> component -> the key its component styles were last made for
        self._last: WeakKeyDictionary[DOMNode, dict[str, tuple]] = WeakKeyDictionary()
        # node -> the rules last set on it (`_memo.applied`'s), and its rules as they were made then
        self._replaced: WeakKeyDictionary[DOMNode, tuple[RulesMap, dict]] = WeakKeyDictionary()

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

    def apply(
        self, node: DOMNode, *, animate: bool = False, cache: dict[tuple, RulesMap] | None = None
    ) -> None:
        # Textual 8.2.8's, with the rules a node matched kept by its signature (the module's docstring):
        # Textual's own cache, for one walk of the nodes, is not needed.
        self._forget_if_reparsed()
        words = self._named_vocabulary(frozenset(self.rules_map.keys() & node._selector_names))
        (node._has_hover_style, node._has_focus_within, node._has_order_style,
         node._has_odd_or_even) = words.flags  # fmt: skip
        key = (words, _signature(node.css_path_nodes, words))
        applied = self._memo.applied
        found = applied.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = applied[key] = _matched_rules(node, words.rules)
        if found is not None:  # where no rule matches, Textual leaves the node's rules as they were
            self._replace(node, found, animate)
        self._process_component_classes(node)

    def _replace(self, node: DOMNode, rules: RulesMap, animate: bool) -> None:
        """Textual's `replace_rules`, which sets every rule again and notifies the node, but only the
        notice where the same rules were set last on the node's rules as they are now: each setter
        would do nothing. Not where a rule asks for a transition (an animation may be under way)."""
        base = node.styles.base
        last = self._replaced.get(node)
        if last is not None and last[0] is rules and last[1] == base._rules and "transitions" not in rules:
            node.notify_style_update()
            return
        self.replace_rules(node, rules, animate=animate)
        self._replaced[node] = (rules, dict(base._rules))

    def _forget_if_reparsed(self) -> None:
        rules = self.rules
        if self._matched_for is not rules:
            self._matched_for = rules
            # A screen's CSS pushed parses the stylesheet again, and each app (each test) makes its
            # own stylesheet: the same sources give the same rules (`_PARSED`), and what they matched
            # holds. An id is never another rule's while the memo holds the rules.
            key = tuple(map(id, rules))
            memo = _MEMOS.get(key)
            if memo is None:
                memo = _MEMOS[key] = _Memo(tuple(rules))
            if memo is not self._memo:
                self._memo = memo
                self._last = WeakKeyDictionary()

    def _process_component_classes(self, node: DOMNode) -> None:
        # Textual 8.2.8's, with each component's matched rules kept (the module's docstring).
        components = node._get_component_classes()
        if not components:
            return
        self._forget_if_reparsed()
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
            matched = self._memo.matched.get(key)
            if matched is None:
                self.apply(virtual, animate=False)
                self._memo.matched[key] = RulesMap(**virtual.styles.base._rules)
            else:
                self.replace_rules(virtual, RulesMap(**matched), animate=False)
            if not refresh and old.get(component) != virtual.styles:
                refresh = True
            node._component_styles[component] = virtual.styles
        if refresh:
            node.refresh()

    def _vocabulary(self, components: Collection[str]) -> _Vocabulary:
        """What the rules that may style one of `components` test along a path."""
        kept = frozenset(components)
        found = self._memo.vocabularies.get(kept)
        if found is None:
            names = self.rules_map.keys() & DOMNode(classes=" ".join(kept))._selector_names
            found = self._memo.vocabularies[kept] = self._named_vocabulary(frozenset(names))
        return found

    def _named_vocabulary(self, names: frozenset[str]) -> _Vocabulary:
        """What the rules filed under the selector `names` (`rules_map`) test along a path: the types,
        ids, classes and pseudo-classes their selectors name (nothing else can change whether they
        match), with those rules in the order Textual matches them."""
        found = self._memo.named.get(names)
        if found is None:
            rules_map = self.rules_map
            kinds: dict[SelectorType, set[str]] = {kind: set() for kind in SelectorType}
            pseudo: set[str] = set()
            limited = {rule for name in names for rule in rules_map[name]}
            for rule in limited:
                for selectors in rule.selector_set:
                    for selector in selectors.selectors:
                        kinds[selector.type].add(selector.name)
                        pseudo |= selector.pseudo_classes
            any_node = bool(kinds[SelectorType.UNIVERSAL] or kinds[SelectorType.NESTED])
            classes = frozenset(kinds[SelectorType.CLASS] | ({"-textual-system"} if any_node else set()))
            types, ids = frozenset(kinds[SelectorType.TYPE]), frozenset(kinds[SelectorType.ID])
            rules = tuple(rule for rule in reversed(self.rules) if rule in limited)
            # As Textual sets them from the same rules' pseudo-classes as it applies a node's.
            used = set().union(*[rule.pseudo_classes for rule in rules])
            flags = ("hover" in used, "focus-within" in used, not used.isdisjoint(_ORDER),
                     not used.isdisjoint(_PARITY))  # fmt: skip
            found = _Vocabulary(types, ids, classes, tuple(sorted(pseudo)), rules, flags)
            self._memo.named[names] = found
        return found


@dataclass(eq=False)
class _Memo:
    """What one parse's rules matched, for every stylesheet whose parse gave those rules."""

    rules: tuple[RuleSet, ...]  # held, so that their ids stay theirs
    # (component class, what selectors test along the widget's path) -> the rules it matched
    matched: LRUCache[tuple, RulesMap] = field(default_factory=lambda: LRUCache(4096))
    # (the node's vocabulary, what it tests along the node's path) -> its rules (None: none match)
    applied: LRUCache[tuple, RulesMap | None] = field(default_factory=lambda: LRUCache(8192))
    vocabularies: dict[frozenset[str], _Vocabulary] = field(default_factory=dict)  # by component classes
    named: dict[frozenset[str], _Vocabulary] = field(default_factory=dict)  # by a node's selector names


# A few parses' worth: the app's rules under each theme picked, a test's made-up app.
_MEMOS: LRUCache[tuple[int, ...], _Memo] = LRUCache(16)
_UNSEEN: Any = object()
_ORDER = frozenset({"first-of-type", "last-of-type", "first-child", "last-child", "empty"})
_PARITY = frozenset({"odd", "even"})


@dataclass(frozen=True, slots=True, eq=False)  # compared by identity: one per set of names, per parse
class _Vocabulary:
    types: frozenset[str]
    ids: frozenset[str]
    classes: frozenset[str]
    pseudo: tuple[str, ...]
    rules: tuple[RuleSet, ...]  # the rules it was gathered from, in Textual's order
    flags: tuple[bool, bool, bool, bool]  # hover, focus-within, order, parity


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


def _matched_rules(node: DOMNode, rules: tuple[RuleSet, ...]) -> RulesMap | None:
    """The rules of `rules` that match `node`, the most specific value of each: Textual 8.2.8's
    `Stylesheet.apply` between its choice of rules and their replacing (None where none matched)."""
    attributes: defaultdict[str, list[tuple[Specificity6, object]]] = defaultdict(list)
    path = node.css_path_nodes
    initial: set[str] = set()  # rules that may be set to the special value `initial`
    initial_defaults: set[str] = set()  # those set to `initial` in a DEFAULT_CSS
    for rule in rules:
        is_default_rules, tie_breaker = rule.is_default_rules, rule.tie_breaker
        for base_specificity in Stylesheet._check_rule(rule, path):
            for key, rule_specificity, value in rule.styles.extract_rules(base_specificity, is_default_rules,
                                                                          tie_breaker):  # fmt: skip
                if value is None:
                    (initial_defaults if is_default_rules else initial).add(key)
                attributes[key].append((rule_specificity, value))
    if not attributes:
        return None
    first = itemgetter(0)
    node_rules: Any = {name: max(values, key=first)[1] for name, values in attributes.items()}
    for name in initial:
        if node_rules[name] is None:
            defaults = [rule for rule in attributes[name] if not rule[0][0]]
            if defaults:
                node_rules[name] = max(defaults, key=first)[1]
            else:
                initial_defaults.add(name)
    for name in initial_defaults:
        if node_rules[name] is None:
            defaults = [rule for rule in attributes[name] if rule[0][0]]
            node_rules[name] = max(defaults, key=first)[1] if defaults else getattr(_DEFAULT_STYLES, name)
    return cast(RulesMap, node_rules)
