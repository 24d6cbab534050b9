"""The demo short-video site: local videos whose comments load by JavaScript from a JSON API."""
