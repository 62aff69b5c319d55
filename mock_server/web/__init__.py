"""The web layer: the Flask app, its routes and error handlers. The only layer that imports Flask."""
