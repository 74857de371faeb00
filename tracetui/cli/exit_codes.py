"""The exit codes of the command line, one meaning each (README, "Exit codes"; `tracetui --help`).

Every command exits OK when it did what was asked, FAILED when it could not (a missing session, a
refused seal or export, a damaged file: one sentence on stderr says why), and USAGE when the command
line itself cannot mean anything (argparse's errors, options that do not go together, a value of the
wrong shape). Codes from 3 up are a command's own, documented with it.
"""

OK = 0
FAILED = 1  # a runtime failure: the input or the world said no
USAGE = 2  # a usage error: the command line is wrong (argparse's own code)
INCONCLUSIVE = 3  # `replay`: the check's result tells nothing (patches, sandbox, limits, time)
PARTIAL = 4  # `export`: some chosen sessions written, others refused (each said on stderr)
INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT

EPILOG = (
    "exit codes:\n"
    "  0  success\n"
    "  1  a runtime failure (one sentence on stderr says why)\n"
    "  2  a usage error (the command line is wrong)\n"
    "  3  replay: inconclusive\n"
    "  4  export: partly written (the refused sessions are listed on stderr)\n"
    "  130  interrupted"
)
