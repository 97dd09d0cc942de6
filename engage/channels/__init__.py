"""Channel adapters: web, SMS and voice, each a thin layer over the engine."""
