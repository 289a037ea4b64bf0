"""CPU of ``geomap parse FILE --format jsonl`` after extraction, and of the tokenizer (issue 9).

    cd <a geomap tree> && <venv>/bin/python /path/to/benchmarks/bench_after_extract.py FILE...

The tree is the current directory (so two trees can be compared with one script). Per file: the
tokens (``iter_tokens`` over the text), then the spans computed once, untimed, and
``geomap.cli.main(["parse", FILE, "--format", "jsonl"])`` run to /dev/null with those spans (the
resolver's decisions, the mentions, their regions and the JSONL: everything but the extractor),
``process_time`` seconds.
"""
from __future__ import annotations

import contextlib
import os
import sys
from time import process_time


def main(paths: list[str]) -> int:
    sys.path.insert(0, os.getcwd())
    import geomap.lang as lang
    from geomap.cli import main as geomap_main
    from geomap.resolve import Geoparser
    from geomap.tokens import iter_tokens

    gp = Geoparser()
    real = lang.language_spans
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        t = process_time()
        for _ in iter_tokens(text):
            pass
        tokens = process_time() - t
        spans = real(gp.extractor, text)
        lang.language_spans = lambda extractor, txt: spans if txt == text else real(extractor, txt)
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            t = process_time()
            geomap_main(["parse", path, "--format", "jsonl"])
            after = process_time() - t
        lang.language_spans = real
        print(f"{os.path.basename(os.getcwd())} {os.path.basename(path)} tokens {tokens:.3f} s, "
              f"after extraction {after:.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
