"""The web layer: the Flask app, its routes and error handlers (the only layer with Flask)."""
