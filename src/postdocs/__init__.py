"""postdocs: Telegram channels that review ML papers, as a cross-linked MkDocs site."""

__version__ = "0.1.0"
