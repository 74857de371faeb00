"""A user or host named like a word of tracetui's own session model (`steps`, `title`, `source`...):
the second gate finds that name in a log's text, and scrubbing it from the session's dict took it out of
the dict's keys as well, so the model could not be read back and the whole export stopped (KeyError).
The model's keys are tracetui's words, not the log's; the name is still scrubbed from every text."""

from __future__ import annotations

import pytest
from support.gate_kit import V3, pi_bucket, v3_tree
from support.machine_names import named_machine

from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, export
from tracetui.model import Session

# Keys of `Session.to_dict` and of its steps', as a person's or a machine's name could be.
WORDS = ["steps", "title", "source", "text", "tokens", "edits", "meta"]


def _exported(tmp_path, monkeypatch, fmt):
    prompt = "make b equal 3 in " + ", ".join(f"the {w} here" for w in WORDS)
    bucket = pi_bucket(tmp_path, {"s.jsonl": v3_tree().replace("make b equal 3", prompt)})
    named_machine(monkeypatch, WORDS)
    with Bucket.open(bucket) as b:
        return export(b, tmp_path / "out", ExportOptions(fmt, accept_suggested=True))


@pytest.mark.parametrize("fmt", ["parquet", "raw", "atif", "md", "html"])
def test_a_name_that_is_a_word_of_the_model_does_not_stop_the_export(tmp_path, monkeypatch, fmt):
    # The session is written without the name where the log held it, in every format: the format's own
    # words (ATIF's `steps`, a page's "steps 0 to 4") are not the log's, and the gate no longer reads
    # them as its text (tests/unit/hostile/test_hostile_format_words.py).
    report = _exported(tmp_path, monkeypatch, fmt)
    assert report.written == 1 and report.refused == [], report.refused
    written = "".join(p.read_text(errors="replace") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert "the steps here" not in written and "the title here" not in written


def test_every_field_of_the_model_that_holds_the_log_s_own_keys_is_named():
    # A field added to the model that holds a dict or any JSON of the log's must have its keys scrubbed.
    import dataclasses

    from tracetui import model
    from tracetui.capsule.scrub import LOG_DATA_KEYS

    open_ended = {
        f.name for c in (model.Session, model.Step, model.FileEdit, model.Hunk, model.Tokens, model.Subagent,
                         model.GitInfo)
        for f in dataclasses.fields(c) if not f.name.startswith("_") and ("dict" in str(f.type) or "Any" in str(f.type))
    }  # fmt: skip
    assert open_ended == LOG_DATA_KEYS


def test_a_key_of_the_log_s_own_data_is_still_scrubbed():
    from tracetui.capsule.scrub import Scrubbed
    from tracetui.model import Step

    step = Step(id="s1", index=0, kind="tool", role="assistant", tool="x", tool_input={"alice": {"steps": 1}},
                meta={"alice": 2})  # fmt: skip
    session = Session(id=V3, agent="pi", source="x", steps=[step])
    scrubbed = Scrubbed(session, [], [], {"alice": "<USER_1>", "steps": "<HOST_1>"})
    out = scrubbed.session_dict(session.to_dict())
    assert out["steps"][0]["tool_input"] == {"<USER_1>": {"<HOST_1>": 1}}
    assert out["steps"][0]["meta"] == {"<USER_1>": 2}
    assert Session.from_dict(out).steps[0].tool_input == {"<USER_1>": {"<HOST_1>": 1}}
