"""Command line: ``python -m inference apply|tab|serve`` (contracts in DESIGN.md).

    apply --original FILE --sketch FILE [--decoding speculative|greedy|prompt-lookup]
          [--adapter apply|none]
          → the merged file on stdout; how it was merged on stderr
    tab --file FILE --history EDITS.json --json [--adapter tab|none]
          → {"edit": {"start_line", "end_line", "new_text"} | null, ...} on stdout
    serve [--host 127.0.0.1] [--port 8400] [--workers 2]

Bad input exits with status 2 and a one-line message; a sketch that cannot be applied exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DECODINGS = ("speculative", "greedy", "prompt-lookup")
# Without a token the service may only listen on this machine.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise UsageError(f"{what} {path!r} does not exist") from error
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {what} {path!r}: {error}") from error


def cmd_apply(args: argparse.Namespace) -> int:
    from inference.apply import ApplyFailed
    from inference.client import get_client

    original = _read(args.original, "original file")
    sketch = _read(args.sketch, "sketch file")
    try:
        result = get_client().apply(original, sketch, path=args.original,
                                    decoding=args.decoding, adapter=args.adapter)
    except ApplyFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(result.text)
    print(f"applied: path={result.path} method={result.method} parses={result.parses}",
          file=sys.stderr)
    return 0


def cmd_tab(args: argparse.Namespace) -> int:
    from inference.client import get_client

    text = _read(args.file, "file")
    try:
        history = json.loads(_read(args.history, "history file"))
    except json.JSONDecodeError as error:
        raise UsageError(f"history file {args.history!r} is not JSON: {error}") from error
    if not isinstance(history, dict):
        raise UsageError("history must be an object with path, cursor_line and diff")
    cursor = history.get("cursor_line")
    diff = history.get("diff", "")
    if not isinstance(cursor, int) or isinstance(cursor, bool) or cursor < 1:
        raise UsageError("history 'cursor_line' must be a positive integer (1-based)")
    if not isinstance(diff, str):
        raise UsageError("history 'diff' must be a string (a unified diff)")
    suggestion = get_client().tab(text, cursor, diff, adapter=args.adapter)
    if args.json:
        print(json.dumps(suggestion.to_json()))
    elif suggestion.edit is None:
        print("no edit suggested")
    else:
        edit = suggestion.edit
        print(f"lines {edit.start_line}-{edit.end_line} ({suggestion.source}):")
        sys.stdout.write(edit.new_text)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import uvicorn

    from inference.client import ClientSettings, get_client
    from inference.service import TOKEN_ENV, ServiceLimits, create_app

    # The service runs the model itself (or forwards to an OpenAI-compatible server when one
    # is configured); SQUIGGLE_INFERENCE_URL would point it at itself.
    if args.host not in LOOPBACK and not os.environ.get(TOKEN_ENV):
        print(f"error: serving on {args.host} needs a bearer token: set {TOKEN_ENV} "
              "(clients send the same variable)", file=sys.stderr)
        return 2
    client = get_client(replace(ClientSettings.from_env(), inference_url=None))
    limits = ServiceLimits(workers=args.workers, max_body_bytes=args.max_body_bytes)
    uvicorn.run(create_app(client, limits), host=args.host, port=args.port, log_level="info")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m inference", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    apply = commands.add_parser("apply", help="merge a lazy edit sketch into a file")
    apply.add_argument("--original", required=True, help="the file to edit")
    apply.add_argument("--sketch", required=True, help="the edit, with elision markers")
    apply.add_argument("--decoding", choices=DECODINGS, default="speculative",
                       help="how the model decodes when it is needed (same text, other speed)")
    apply.add_argument("--adapter", choices=("apply", "none"),
                       help="the model's weights when it is needed: Apply's fine-tune (must be "
                       "loaded) or the base model; default: as configured")
    apply.set_defaults(run=cmd_apply)

    tab = commands.add_parser("tab", help="predict the next edit")
    tab.add_argument("--file", required=True, help="the file as it is now")
    tab.add_argument("--history", required=True,
                     help='JSON: {"path", "cursor_line", "diff": unified diff, oldest first}')
    tab.add_argument("--json", action="store_true", help="print JSON")
    tab.add_argument("--adapter", choices=("tab", "none"),
                     help="the model stage's weights: Tab's fine-tune (must be loaded) or the "
                     "base model; default: as configured (SQUIGGLE_TAB_ADAPTER)")
    tab.set_defaults(run=cmd_tab)

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8400)
    serve.add_argument("--workers", type=int, default=2,
                       help="requests that run at once (others queue fairly)")
    serve.add_argument("--max-body-bytes", type=int, default=1 << 20)
    serve.set_defaults(run=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # bad history diff, bad settings, oversized prompt
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:  # model not installed, service unreachable
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
