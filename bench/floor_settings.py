"""The benchmark's "floor" server: the production settings plus one extra URL (bench/floor_urls.py).

Never used outside `bench/run.py`.
"""

from rantboard.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
