"""Development tools, never a production code path: a deterministic synthetic carrier
(``carrier``), its fact tables (``fact_tables``), written as a lake by ``generator`` and
``writer``; the demo lake ``writ up`` seeds (``demo``); ``writ lake generate`` (``cli``)."""
