"""An evaluation's worker process starts lean: judging a session needs the bucket, the trail and git,
not the export's gate, the detectors, the capsule code or pyarrow (issue 41: pool workers start lean).
Before `tracetui.export` named its API lazily, importing `export.labels` ran the package's whole
`__init__` and cost each worker about 0.2 s of CPU more."""

from __future__ import annotations

import subprocess
import sys

import tracetui.export
import tracetui.export.verify

# What the worker must not bring: each is some tens of milliseconds of imports a worker never uses.
NOT_IN_A_WORKER = ("tracetui.export.verify", "tracetui.export.run", "tracetui.redact", "tracetui.capsule",
                   "pyarrow", "genai_prices", "detect_secrets", "huggingface_hub", "textual")  # fmt: skip


def test_an_evaluation_worker_imports_nothing_it_does_not_judge_with() -> None:
    code = (
        "import sys, tracetui.evals.worker\n"
        f"print(*(m for m in ('tracetui.export.labels', *{NOT_IN_A_WORKER!r}) if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    # The labels are there (the worker this looks at is one that judges), and nothing else named.
    assert done.stdout.split() == ["tracetui.export.labels"]


def test_the_export_api_names_its_functions_whatever_was_imported_first() -> None:
    # `verify` is imported above, before the package's names are asked for: a submodule named as a
    # public function would have put itself in the function's place.
    assert callable(tracetui.export.check) and tracetui.export.check is tracetui.export.verify.check
    from tracetui.export import ExportOptions, Selection, donation_plan, export

    assert ExportOptions.__module__ == "tracetui.export.run" and callable(export) and callable(donation_plan)
    assert Selection.__module__ == "tracetui.selection"
    assert set(tracetui.export.__all__) == set(tracetui.export._WHERE)
    for name in tracetui.export.__all__:
        assert getattr(tracetui.export, name) is not None
