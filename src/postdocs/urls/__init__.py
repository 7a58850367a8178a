"""Page addresses: slugs, the permalink registry, redirects, and the URL check."""
