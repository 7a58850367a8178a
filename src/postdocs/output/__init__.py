"""Writing generated pages: only changed ones, only files postdocs owns (manifest)."""
