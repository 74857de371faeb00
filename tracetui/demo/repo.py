"""The demo git repository: a tiny Python shop whose history gives every survival state.

The sessions in `logs.py` edit these files; the commits below keep, change, revert or drop those
edits, so the trail shows alive, transformed, reverted, lost and uncommitted patches. Every
timestamp is fixed so the demo is the same on every machine.
"""

from __future__ import annotations

from pathlib import Path

CART_0 = '''"""A tiny shopping cart."""


def total(items):
    return sum(price * qty for price, qty in items)
'''

# After the Claude Code session's three edits.
DISCOUNT = '''

def apply_discount(amount, percent):
    return round(amount * (100 - percent) / 100, 2)
'''
FORMAT = '''

def format_price(amount):
    return "$" + str(amount)
'''
LEGACY = '''

def legacy_total(items):
    return total(items)
'''
CART_1 = CART_0 + DISCOUNT
CART_2 = CART_1 + FORMAT
CART_3 = CART_2 + LEGACY

# A maintainer's later edits: format_price rewritten (transformed), legacy_total removed (reverted).
CART_4 = CART_3.replace('    return "$" + str(amount)\n', '    return f"${amount:.2f}"\n')
CART_5 = CART_4.replace(LEGACY, "")

TAX = '''"""Sales tax, by region."""

RATES = {"EU": 0.2, "US": 0.07}


def with_tax(amount, region):
    return round(amount * (1 + RATES.get(region, 0)), 2)
'''

README_0 = "# demo-shop\n\nA tiny shop used by the tracetui demo.\n"
README_PI = README_0 + "\n## Cart\n\n`total`, `apply_discount` and `format_price` live in `shop/cart.py`.\n"

TEST_0 = '''from shop.cart import total


def test_total():
    assert total([(2, 3)]) == 6
'''

# (when, message, files) — files map path -> content (None deletes).
COMMITS: list[tuple[str, str, dict[str, str | None]]] = [
    ("2026-01-12T09:00:00", "Start the demo shop", {
        "README.md": README_0, "shop/__init__.py": "", "shop/cart.py": CART_0, "tests/test_cart.py": TEST_0,
    }),
    ("2026-01-12T09:40:00", "Cart: discounts, price formatting", {"shop/cart.py": CART_3}),
    ("2026-01-13T10:40:00", "Sales tax; two-decimal prices", {"shop/tax.py": TAX, "shop/cart.py": CART_4}),
    ("2026-01-13T11:00:00", "Drop legacy_total", {"shop/cart.py": CART_5}),
]

WORKTREE = {"README.md": README_PI}  # the Pi session's edit, never committed


def build_repo(path: Path) -> str:
    """Create the repository at `path` (which must not exist); returns HEAD's id."""
    import pygit2
    from datetime import datetime, timezone

    path.mkdir(parents=True)
    repo = pygit2.init_repository(str(path), initial_head="main")
    config = repo.config
    config["user.name"] = "Demo Maintainer"
    config["user.email"] = "maintainer@example.invalid"
    parents: list = []
    head = ""
    for when, message, files in COMMITS:
        for rel, content in files.items():
            target = path / rel
            if content is None:
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        repo.index.add_all()
        repo.index.write()
        tree = repo.index.write_tree()
        stamp = int(datetime.fromisoformat(when).replace(tzinfo=timezone.utc).timestamp())
        sig = pygit2.Signature("Demo Maintainer", "maintainer@example.invalid", stamp, 0)
        oid = repo.create_commit("refs/heads/main", sig, sig, message + "\n", tree, parents)
        parents = [oid]
        head = str(oid)
    for rel, content in WORKTREE.items():
        (path / rel).write_text(content, encoding="utf-8")
    return head
