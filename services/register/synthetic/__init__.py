"""Development only: a synthetic case register for scale tests, the transparency benchmark
and demos (``writ register generate``). Nothing in production imports it."""
