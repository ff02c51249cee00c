"""Model runtime: find weights locally, load them safely, run them on the right device."""
