"""The web page of `careladder serve`: routes (app), what they do (service), safety, charts."""
