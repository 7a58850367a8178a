"""The MkDocs side: the plugin, live preview, incremental builds, the search index."""
