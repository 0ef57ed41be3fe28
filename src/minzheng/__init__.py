"""minzheng: the civil-affairs collaboration platform."""

import os

# DuckDB's own allocator (a jemalloc of its own) keeps more freed blocks of up to 64 KB per
# thread for reuse: a DuckDB statement allocates one such block for every column of every
# operator's working chunk on each execution, and the household engine executes its prepared
# plan once per household (about 5 % fewer instructions per household, counted with callgrind).
# It must be set before DuckDB is first imported; an operator's own setting is kept.
os.environ.setdefault("DUCKDB_JE_MALLOC_CONF", "tcache_nslots_large:256,tcache_max:65536")
