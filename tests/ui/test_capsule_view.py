"""`tracetui open FILE`: the same app over a sealed capsule, read-only, with the sealed trail."""

from __future__ import annotations

import pytest
from support.narrow import on_screen
from textual.widgets._footer import FooterKey

from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import settle


@pytest.fixture(scope="module")
def capsule(sealed_demo):
    from tracetui.capsule import open_capsule

    return open_capsule(sealed_demo[1])


async def test_capsule_opens_read_only_with_its_sealed_trail(capsule):
    app = TraceApp(capsule)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        screen = on_screen(app, BrowserScreen)
        assert screen.query_one(SessionList).count == 1
        assert "read-only" in str(screen.query_one("#sessions-status").render())
        # A capsule is one episode: it opens on it, and the footer offers no key only a bucket has.
        assert screen.opened is not None and app.focused is screen.query_one(Timeline)
        footer = {k.description for k in screen.query(FooterKey)}
        assert "Replay" in footer and not footer & {"Seal", "Redact", "Review all"}
        timeline = screen.query_one(Timeline)
        assert timeline.states and sorted(set(timeline.states.values())) == ["alive", "reverted", "transformed"]
        edit_row = next(r for r in range(timeline.count) if "alive" in timeline.render_line(r).text)
        timeline.cursor = edit_row
        await pilot.press("f")
        await settle(app, pilot, 1)
        diff = "\n".join(screen.query_one("#diff-view", TextView).plain_lines())
        assert "shop/cart.py · alive" in diff
        assert "+def apply_discount(amount, percent):" in diff
        await pilot.press("r")
        await pilot.pause()
        for action in ("seal", "review"):  # each refuses in its own line (one helper says all three)
            await app.run_action(f"screen.{action}")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert "this is a sealed capsule: its redactions are final" in said
        assert "this is a sealed capsule: it cannot be sealed again" in said
        assert "this library is read-only: redaction decisions cannot be saved" in said


async def test_a_capsule_opens_from_the_palette_over_the_bucket_and_escape_goes_back(demo, sealed_demo, tmp_path):
    from tracetui.ui.app import TraceApp
    from tracetui.ui.screens.browser import BrowserScreen
    from tracetui.ui.screens.path_prompt import PathPrompt

    from pilot_steps import settle

    _, library = demo
    _, capsule_path = sealed_demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        bucket_screen = on_screen(app, BrowserScreen)
        # a path that is no capsule: one line, and the bucket stays
        app.action_open_capsule()
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)
        await pilot.press(*str(tmp_path / "nothing.capsule"), "enter")
        await settle(app, pilot)
        assert app.screen is bucket_screen
        assert any("not opened" in n.message for n in app._notifications)
        app.action_open_capsule()
        await pilot.pause()
        await pilot.press(*str(capsule_path), "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen) and screen is not bucket_screen
        assert screen.library.manifest is not None and screen.library.read_only
        assert screen.query_one(SessionList).count == 1
        assert screen.opened is not None  # a capsule opens on its one episode
        await pilot.press("escape")  # from the timeline: the capsule's list
        await settle(app, pilot)
        assert app.screen is screen and app.focused is screen.query_one("SessionList")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is bucket_screen and bucket_screen.library is library


@pytest.fixture(scope="module")
def episode_capsule(sealed_demo, tmp_path_factory):
    """Steps 3 to 6 of the demo's Claude session, sealed as a capsule of their own."""
    from tracetui.capsule import open_capsule
    from tracetui.cli import main

    demo, _ = sealed_demo
    out = tmp_path_factory.mktemp("episode") / "episode.capsule"
    assert main(["--bucket", str(demo.bucket), "seal", "7d3c1a52", "--steps", "3:6", "--accept-suggested",
                 "-o", str(out)]) == 0  # fmt: skip
    return open_capsule(out)


async def test_q_closes_a_capsule_opened_over_the_bucket_not_the_app(demo, sealed_demo):
    """`q` in a capsule closed the whole app (and `tracetui demo` then deleted its repository)."""
    from tracetui.capsule import open_capsule
    from tracetui.ui.screens.browser import BrowserScreen

    d, library = demo
    app = TraceApp(library, repo=str(d.repo))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        bucket_screen = app.screen
        app._show_capsule(open_capsule(sealed_demo[1]))
        await settle(app, pilot)
        assert isinstance(app.screen, BrowserScreen) and app.screen is not bucket_screen
        footer = {(k.key, k.description) for k in app.screen.query(FooterKey)}
        assert ("q", "Close") in footer and ("q", "Quit") not in footer
        await pilot.press("q")
        await settle(app, pilot)
        assert app.screen is bucket_screen and app.return_code is None  # the app runs on
        assert d.repo.is_dir()
        footer = {(k.key, k.description) for k in app.screen.query(FooterKey)}
        assert ("q", "Quit") in footer  # over the bucket, q quits as before


async def test_a_capsule_opened_alone_is_left_with_escape_from_its_list(capsule):
    """`tracetui open FILE`: Escape walked back to the list, then did nothing at all."""
    app = TraceApp(capsule)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert app.focused is screen.query_one(Timeline)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.focused is screen.query_one(SessionList) and app.return_code is None
        await pilot.press("escape")  # the top of the capsule: closing it ends `tracetui open`
        await pilot.pause()
        assert app.return_code == 0


async def test_the_header_of_an_episode_counts_its_own_steps_and_tokens(episode_capsule):
    from tracetui.views.format import human_tokens

    steps = episode_capsule.steps
    own = sum(s.tokens.total for s in steps if s.tokens is not None and not s.copied)
    whole = episode_capsule.manifest["session"]["tokens"]
    assert len(steps) == 4 and own and own < sum(whole.values())
    app = TraceApp(episode_capsule)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        title = str(app.screen.query_one("#session-title").render())
        assert f"4 of {episode_capsule.manifest['steps']['of']} steps" in title
        assert f"{human_tokens(own)} tokens" in title
        assert human_tokens(sum(whole.values())) not in title
