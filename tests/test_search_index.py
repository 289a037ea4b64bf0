"""The passage search index (render/search_index.py): a chunk holding a text is never ruled out."""
from __future__ import annotations

import base64
import json
import random

from geomap.render.passages import Chunk
from geomap.render.search_index import index_script, may_hold, gram_bits

ALPHABET = "abc ABC σςΣ ёЁїЇ İı ß \U0001F680\u0301é"


def test_every_substring_of_the_texts_may_be_held_and_most_others_are_not():
    rng = random.Random(7)
    for _ in range(200):
        texts = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
                 for _ in range(rng.randint(1, 4))]
        bits, data = gram_bits(texts)
        assert bits >= 64 and bits & (bits - 1) == 0 and len(data) == bits // 8
        for text in texts:
            low = text.lower()
            for _ in range(10):
                a = rng.randrange(len(low) + 1)
                query = low[a:a + rng.randint(1, 12)]
                assert may_hold(bits, data, query), (texts, query)
    bits, data = gram_bits(["Shelling near Kherson port, officials said."])
    assert may_hold(bits, data, "kherson port") and may_hold(bits, data, "s said.")
    assert not may_hold(bits, data, "mariupol") and not may_hold(bits, data, "zyxwvut")
    assert may_hold(bits, data, "zzz")                  # too short to rule anything out
    assert bits >= 2 * len({"shelling near kherson port, officials said."[i:i + 4]
                            for i in range(40)})        # sets at most about 40 % full


def test_the_index_file_has_a_set_per_chunk_number_and_nothing_for_a_missing_chunk():
    chunks = [Chunk(0, {"places": {}, "texts": ["Odesa port"]}),
              Chunk(2, {"places": {}, "texts": ["Kyiv"]})]
    script = index_script(chunks)
    assert script.startswith("geomapPassageIndex(") and script.endswith(");\n")
    value = json.loads(script[len("geomapPassageIndex("):-3])
    sets = base64.b64decode(value["sets"])
    assert len(value["bits"]) == 3 and len(sets) == sum(b // 8 for b in value["bits"])
    assert not any(sets[8:16])                          # chunk 1: no file, no 4-gram
    assert may_hold(value["bits"][0], sets[:8], "odesa") and not may_hold(64, sets[16:24], "odesa")
