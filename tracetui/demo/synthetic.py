"""Big made-up sessions for benchmarks and UI tests: model objects, no files, no disk index.

Deterministic (fixed timestamps and ids) so snapshots and timings compare run to run.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tracetui.model import FileEdit, Hunk, Session, Step, StepKind, Subagent, Tokens

EPOCH = datetime(2026, 1, 5, 9, 0, 0, tzinfo=timezone.utc)
AGENTS = ("claude", "codex", "pi")
PROJECTS = ("shop", "atlas", "ledger", "quill", "orbit", "harbor", "tundra")
TOOLS = ("Bash", "Read", "Edit", "Grep", "Write")


def _stamp(seconds: float) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def session(n_steps: int, number: int = 0, agent: str | None = None) -> Session:
    """A session of about `n_steps` steps: prompts, tool calls and results, a subagent, a rewind."""
    agent = agent or AGENTS[number % 3]
    sid = f"{number:08x}-0000-4000-8000-{number:012x}"
    base = number * 3600.0
    steps: list[Step] = []
    subagents: list[Subagent] = []

    def add(kind: str, role: str, text: str = "", **kw) -> Step:
        i = len(steps)
        parent = kw.pop("parent", steps[-1].id if steps else None)
        step = Step(id=f"{sid[:8]}-{i}", index=i, kind=kind, role=role, text=text,
                    timestamp=_stamp(base + i * 1.5), parent=parent, **kw)
        steps.append(step)
        return step

    add(StepKind.USER, "user", f"Task {number}: make the {PROJECTS[number % len(PROJECTS)]} tests pass")
    turn = 0
    while len(steps) < n_steps:
        turn += 1
        add(StepKind.REASONING, "assistant", f"Thinking about part {turn} of the work.")
        tool = TOOLS[turn % len(TOOLS)]
        call_id = f"call_{number}_{turn}"
        edits = []
        if tool == "Edit":
            edits = [FileEdit(f"src/mod_{turn % 17}.py", "update",
                              hunks=[Hunk(turn % 90 + 1, 1, turn % 90 + 1, 2,
                                          [f"-    return {turn}", f"+    value = {turn} + 1", "+    return value"])])]
        add(StepKind.TOOL_CALL, "assistant", tool=tool, tool_call_id=call_id,
            tool_input={"command": f"pytest -q tests/test_{turn % 23}.py"} if tool == "Bash"
            else {"file_path": f"src/mod_{turn % 17}.py"}, edits=edits,
            tokens=Tokens(1200 + turn, 80, 30000, 200))
        add(StepKind.TOOL_RESULT, "tool", f"{turn} passed, 0 failed\n" + "ok\n" * (turn % 5),
            tool_call_id=call_id, parent=steps[-1].id)
        if turn == 3 and n_steps > 40:
            spawn = add(StepKind.TOOL_CALL, "assistant", tool="Task", tool_call_id=f"task_{number}",
                        tool_input={"description": "survey the code", "prompt": "List the modules."})
            agent_id = f"agent-{number}"
            subagents.append(Subagent(agent_id, "Explore", "survey the code", spawn.id))
            add(StepKind.USER, "user", "List the modules.", subagent=agent_id, parent=spawn.id)
            for k in range(6):
                add(StepKind.TOOL_CALL if k % 2 == 0 else StepKind.TOOL_RESULT,
                    "assistant" if k % 2 == 0 else "tool", f"sub step {k}", subagent=agent_id,
                    tool="Glob" if k % 2 == 0 else None, tool_call_id=f"g{number}_{k // 2}")
            add(StepKind.TOOL_RESULT, "tool", "modules: a, b, c", tool_call_id=f"task_{number}", parent=spawn.id)
        if turn == 5 and n_steps > 40:
            fork = steps[-1].id
            for k in range(3):
                add(StepKind.ASSISTANT, "assistant", f"an answer the user rewound ({k})", active=False,
                    parent=fork if k == 0 else steps[-1].id)
            add(StepKind.USER, "user", "No, try again with smaller steps.", parent=fork)
        if turn % 200 == 199:
            add(StepKind.COMPACTION, "system", f"Summary of turns up to {turn}.")
        add(StepKind.ASSISTANT, "assistant", f"Done with part {turn}; moving on.")
    return Session(
        id=sid, agent=agent, source=f"/synthetic/{sid}.jsonl",
        cwd=f"/home/dev/{PROJECTS[number % len(PROJECTS)]}",
        title=f"Task {number}: make the {PROJECTS[number % len(PROJECTS)]} tests pass",
        started=steps[0].timestamp, ended=steps[-1].timestamp, models=["model-x"],
        tokens=Tokens(1000 * n_steps, 50 * n_steps, 20000 * n_steps, 100 * n_steps),
        steps=steps, subagents=subagents,
    )
